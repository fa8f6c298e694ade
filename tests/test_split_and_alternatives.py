"""The split encoder (07), the encoders to compare with (11), the tokenizer's tokens and overlap.

Tiny BERT encoders (2-3 layers, hidden 8-16) built for each test, as in test_heads.py and
test_forgetting.py: each test runs in about a second on every backend. No test touches the
network: the Hub's reachability is a patched ``socket.create_connection``.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")

from utils import experiments, models  # noqa: E402
from utils.assets import AssetNotFoundError  # noqa: E402
from utils.data import SentencePairs  # noqa: E402
from utils.models import alternatives  # noqa: E402
from utils.weights import restore_weights, snapshot_weights  # noqa: E402

H, T = 16, 12
WORDS = "the a cat dog sat ran on mat park big small red blue house car man woman".split()


def tiny_encoder(num_layers: int = 2, vocabulary_size: int = 100, seed: int = 0):
    """test_heads.py's tiny BERT with dropout 0 (its RNG state is not a weight) and more layers."""
    keras.utils.set_random_seed(seed)
    return keras_hub.models.BertBackbone(
        vocabulary_size=vocabulary_size, num_layers=num_layers, num_heads=2, hidden_dim=H,
        intermediate_dim=32, max_sequence_length=32, dropout=0.0,
    )


def token_batch(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """test_heads.py's token arrays: [CLS]-like ids, two segments, padding at the end."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, T + 1, size=n)
    mask = np.arange(T)[None, :] < lengths[:, None]
    ids = np.where(mask, rng.integers(5, 100, size=(n, T)), 0).astype("int32")
    segments = (np.arange(T)[None, :] >= (lengths // 2)[:, None]) & mask
    return {"token_ids": ids, "segment_ids": segments.astype("int32"), "padding_mask": mask}


def make_pairs(n: int, seed: int = 0) -> SentencePairs:
    rng = np.random.default_rng(seed)
    s1 = [" ".join(rng.choice(WORDS, size=rng.integers(3, 8))) for _ in range(n)]
    s2 = [" ".join(rng.choice(WORDS, size=rng.integers(3, 8))) for _ in range(n)]
    return SentencePairs("mrpc", "train", s1, s2, (np.arange(n) % 2).astype("int64"),
                         "classification")


def pairs_of(first: list[str], second: list[str]) -> SentencePairs:
    return SentencePairs("mrpc", "test", first, second, np.zeros(len(first), "int64"),
                         "classification")


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def tokenizer():
    return models.load_pair_tokenizer(16)


# --- split_encoder ------------------------------------------------------------------------------

def test_split_features_are_the_whole_encoders_token_vectors(tokenizer):
    encoder = tiny_encoder(num_layers=3, vocabulary_size=30522)
    x = models.encode_pairs(make_pairs(6), tokenizer)
    whole = models.extract_token_features(encoder, x)
    split = models.split_encoder(encoder, top=2)  # one layer below the cut, two above
    assert isinstance(split, models.SplitEncoder) and split.top == 2 and split.encoder is encoder
    cached = split.cache(x)  # one batch: one compilation on JAX
    assert sorted(cached) == ["hidden", "padding_mask"]
    assert cached["hidden"].dtype == np.float32 and cached["hidden"].shape == (6, 16, H)
    assert cached["padding_mask"].dtype == bool
    np.testing.assert_array_equal(cached["padding_mask"], x["padding_mask"])
    feats = split.features(cached)
    assert sorted(feats) == ["padding_mask", "sequence_output"]
    assert feats["sequence_output"].dtype == np.float32
    assert feats["sequence_output"].shape == whole["sequence_output"].shape == (6, 16, H)
    np.testing.assert_allclose(feats["sequence_output"], whole["sequence_output"], atol=1e-4,
                               err_msg="lower + upper is the whole encoder")
    np.testing.assert_array_equal(feats["padding_mask"], whole["padding_mask"])


def test_lower_layers_cuts_below_the_encoders_own_top_layers():
    encoder = tiny_encoder(num_layers=3)
    lower, top_layers = models.lower_layers(encoder, top=2)
    assert [layer is own for layer, own in zip(top_layers, encoder.transformer_layers[1:])] == [True, True]
    assert sorted(lower.input) == ["padding_mask", "segment_ids", "token_ids"]
    assert tuple(lower.output.shape) == (None, None, H)
    lower_ids = {id(v) for v in lower.weights}
    assert not lower_ids & {id(v) for layer in top_layers for v in layer.weights}
    assert {id(v) for v in encoder.transformer_layers[0].weights} <= lower_ids


def test_split_upper_shares_the_encoders_top_layers():
    encoder = tiny_encoder()
    split = models.split_encoder(encoder, top=1)
    top = encoder.transformer_layers[1]
    assert {id(v) for v in split.upper.weights} == {id(v) for v in top.weights}
    before_top, before_lower = snapshot_weights(top), snapshot_weights(split.lower)
    restore_weights(split.upper, [w + 1.0 for w in snapshot_weights(split.upper)])
    assert same(snapshot_weights(top), [w + 1.0 for w in before_top]), "assigning upper assigns the encoder"
    assert same(snapshot_weights(split.lower), before_lower), "the layers below the cut stay"
    # training upper (with a head) trains the encoder's own layer
    restore_weights(top, before_top)
    hidden = keras.Input((None, H), name="hidden")
    mask = keras.Input((None,), dtype="bool", name="padding_mask")
    out = keras.layers.Dense(1)(split.upper({"hidden": hidden, "padding_mask": mask})[:, 0])
    model = keras.Model({"hidden": hidden, "padding_mask": mask}, out)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    cached = split.cache(token_batch(8))
    model.fit(cached, np.ones((8, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    assert not same(snapshot_weights(top), before_top), "fitting upper moves the encoder's top layer"
    assert same(snapshot_weights(split.lower), before_lower)


def test_split_encoder_refuses_what_it_cannot_cut():
    encoder = tiny_encoder()
    with pytest.raises(ValueError, match=r"top must be an int in \[1, 1\], got 0"):
        models.split_encoder(encoder, top=0)
    with pytest.raises(ValueError, match="got 2"):
        models.split_encoder(encoder, top=2)  # nothing left below the cut to cache
    with pytest.raises(TypeError, match="top must be an int"):
        models.split_encoder(encoder, top=1.0)
    with pytest.raises(TypeError, match="KerasHub BERT backbone.*Dense"):
        models.split_encoder(keras.layers.Dense(3))
    with pytest.raises(TypeError, match="KerasHub BERT backbone.*Sequential"):
        models.lower_layers(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), 1)
    with pytest.raises(ValueError, match=">= 2 transformer layers"):
        models.split_encoder(tiny_encoder(num_layers=1), top=1)
    split = models.split_encoder(encoder, top=1)
    x = token_batch(3)
    with pytest.raises(KeyError, match="segment_ids"):
        split.cache({"token_ids": x["token_ids"], "padding_mask": x["padding_mask"]})
    with pytest.raises(TypeError, match="dict"):
        split.cache([x["token_ids"]])
    with pytest.raises(KeyError, match="'hidden'"):
        split.features(x)  # token arrays, not split.cache(...)
    with pytest.raises(KeyError, match="'padding_mask'"):
        split.features({"hidden": np.zeros((3, T, H), "float32")})


# --- run_head_arm on a split ----------------------------------------------------------------------

def test_run_head_arm_on_a_split_trains_the_top_layers_only_from_pretrained():
    encoder = tiny_encoder()
    split = models.split_encoder(encoder, top=1)
    x = token_batch(16, seed=3)
    y = (np.arange(16) % 2).astype("int64")
    cached = split.cache(x)
    snap = snapshot_weights(split.upper)
    lower, embeddings = snapshot_weights(split.lower), snapshot_weights(encoder.token_embedding)
    kwargs = dict(encoder=split, pretrained=snap, epochs=1, lr=1e-2, batch_size=16, seed=5)
    first = experiments.run_head_arm("cls", (cached, y), {"dev": (cached, y)}, **kwargs)
    assert first["fine_tuned"] and 0 <= first["dev_accuracy"] <= 1 and "dev_f1" in first
    assert len(first["history"]["loss"]) == 1 and first["head_params"] == H + 1
    assert not same(snapshot_weights(split.upper), snap), "the top layer is fine-tuned with the head"
    assert not same(snapshot_weights(encoder.transformer_layers[1]), snap), "...in the encoder itself"
    assert same(snapshot_weights(split.lower), lower), "the layers below the cut are untouched"
    assert same(snapshot_weights(encoder.token_embedding), embeddings)
    second = experiments.run_head_arm("cls", (cached, y), {}, **kwargs)
    assert first["history"] == second["history"], (
        "same seed -> the same run: upper was reset to `pretrained` before the 2nd arm")
    with pytest.raises(ValueError, match=r"snapshot_weights\(split.upper\)"):
        experiments.run_head_arm("cls", (cached, y), {}, encoder=split)
    with pytest.raises(KeyError, match="cached activations"):
        experiments.run_head_arm("cls", (x, y), {}, encoder=split, pretrained=snap)
    with pytest.raises(ValueError, match="arrays"):  # a snapshot of the whole encoder
        experiments.run_head_arm("cls", (cached, y), {}, encoder=split,
                                 pretrained=snapshot_weights(encoder))


# --- random_encoder_like, hub_reachable, load_hub_encoder -----------------------------------------

def test_random_encoder_like_is_the_same_architecture_with_other_weights():
    pretrained = tiny_encoder(seed=0)
    a = models.random_encoder_like(pretrained, seed=1)
    assert type(a) is type(pretrained) and a is not pretrained
    assert a.get_config() == pretrained.get_config()
    assert a.count_params() == pretrained.count_params()
    assert not {id(v) for v in a.weights} & {id(v) for v in pretrained.weights}, "nothing shared"
    kernels = lambda m: snapshot_weights(m.token_embedding) + snapshot_weights(m.transformer_layers[0])[:1]  # noqa: E731
    assert all(not np.array_equal(p, q) for p, q in zip(kernels(a), kernels(pretrained)))
    assert same(snapshot_weights(models.random_encoder_like(pretrained, seed=1)), snapshot_weights(a)), \
        "the same seed draws the same weights"
    b = models.random_encoder_like(pretrained, seed=2)
    assert not same(kernels(b), kernels(a)), "another seed draws other weights"
    with pytest.raises(TypeError, match="KerasHub backbone.*Dense"):
        models.random_encoder_like(keras.layers.Dense(2), seed=0)
    with pytest.raises(ValueError, match="got -1"):
        models.random_encoder_like(pretrained, seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        models.random_encoder_like(pretrained, seed="0")


class _Connection:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_hub_reachable_is_whether_a_connection_opens(monkeypatch):
    calls = []

    def opens(address, timeout=None):
        calls.append((address, timeout))
        return _Connection()

    monkeypatch.setattr(socket, "create_connection", opens)
    assert models.hub_reachable() is True
    assert calls == [(("huggingface.co", 443), 3.0)]
    assert models.hub_reachable("example.org", timeout=0.5) is True and calls[-1] == (("example.org", 443), 0.5)
    for error in (OSError("Network is unreachable"), TimeoutError("timed out"),
                  socket.gaierror("Name or service not known"), ConnectionRefusedError()):
        def fails(address, timeout=None, error=error):
            raise error
        monkeypatch.setattr(socket, "create_connection", fails)
        assert models.hub_reachable() is False, type(error).__name__


def test_load_hub_encoder_offline_and_bad_repos(monkeypatch):
    monkeypatch.setattr(alternatives, "hub_reachable", lambda *a, **k: False)
    with pytest.raises(AssetNotFoundError, match="owner/some-bert.*cannot be reached"):
        models.load_hub_encoder("owner/some-bert")

    def no_network(*args, **kwargs):
        raise AssertionError("a bad repo name must be refused before any network access")

    monkeypatch.setattr(alternatives, "hub_reachable", no_network)
    for repo in ("hf://x/y", "noslash", 3, None, "a/b/c"):
        with pytest.raises(TypeError, match="owner/name"):
            models.load_hub_encoder(repo)


def test_load_hub_encoder_names_the_repo_when_a_file_is_missing(monkeypatch):
    huggingface_hub = pytest.importorskip("huggingface_hub")

    def missing(repo, filename, **kwargs):
        raise FileNotFoundError(f"{filename} not in {repo}")

    monkeypatch.setattr(alternatives, "hub_reachable", lambda *a, **k: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", missing)
    with pytest.raises(AssetNotFoundError, match="owner/no-tokenizer.*FileNotFoundError") as caught:
        models.load_hub_encoder("owner/no-tokenizer")
    assert "tokenizer.json" in str(caught.value)


# --- PairTokenizer.tokens and token_overlap ----------------------------------------------------------

def test_tokens_are_the_wordpieces_uncut_and_leave_the_padding_alone(tokenizer):
    assert tokenizer.tokens("Hello there") == ["hello", "there"]
    assert tokenizer.tokens("") == []
    long = " ".join(["cat"] * 30)
    assert tokenizer.tokens(long) == ["cat"] * 30, "not cut at max_length (16)"
    assert all(isinstance(t, str) for t in tokenizer.tokens("unbelievably big"))
    assert "[CLS]" not in tokenizer.tokens("a cat") and "[SEP]" not in tokenizer.tokens("a cat")
    x = tokenizer(["a cat", long])  # __call__ still pads and truncates to max_length
    assert x["token_ids"].shape == (2, 16)
    assert x["padding_mask"].sum(axis=1).tolist() == [4, 16]
    assert tokenizer.token_lengths(["a cat"]).tolist() == [4]
    for bad in (["a cat"], None, b"a cat", 3):
        with pytest.raises(TypeError, match="one sentence"):
            tokenizer.tokens(bad)
    assert tokenizer(["a cat"])["token_ids"].shape == (1, 16), "a refused call changes nothing"


def test_token_overlap_is_the_jaccard_index_of_the_token_sets(tokenizer):
    long_a = " ".join(["dog"] * 20 + ["park"])
    long_b = " ".join(["cat"] * 20 + ["park"])
    pairs = pairs_of(["a cat sat", "the big dog", "a cat sat", "", long_a, "A Cat SAT"],
                     ["a cat sat", "red blue car", "a dog sat", "", long_b, "a cat sat"])
    overlap = models.token_overlap(pairs, tokenizer)
    assert overlap.dtype == np.float64 and overlap.shape == (6,)
    assert ((overlap >= 0) & (overlap <= 1)).all()
    np.testing.assert_allclose(overlap, [1.0, 0.0, 0.5, 0.0, 1 / 3, 1.0])  # {a,sat} / {a,cat,dog,sat}
    shuffled = pairs_of(pairs.sentence2, pairs.sentence1)
    np.testing.assert_array_equal(models.token_overlap(shuffled, tokenizer), overlap)
    assert models.token_overlap(pairs_of([], []), tokenizer).shape == (0,)
    with pytest.raises(TypeError, match="sentence pairs.*list"):
        models.token_overlap(["a cat", "a dog"], tokenizer)
    with pytest.raises(TypeError, match="PairTokenizer.*str"):
        models.token_overlap(pairs, "tokenizer")
    with pytest.raises(TypeError, match="PairTokenizer.*function"):
        models.token_overlap(pairs, lambda s: s.split())
    with pytest.raises(TypeError, match="one sentence"):
        models.token_overlap(pairs_of(["a cat"], [None]), tokenizer)


# --- forgetting.score with an out-of-distribution STS set ------------------------------------------

def _forgetting_tokens(n: int, seed: int) -> dict[str, np.ndarray]:
    """test_forgetting.py's token arrays (vocabulary 40, length 10)."""
    rng = np.random.default_rng(seed)
    mask = np.arange(10)[None, :] < rng.integers(3, 11, size=(n, 1))
    return {"token_ids": np.where(mask, rng.integers(1, 40, size=(n, 10)), 0).astype("int32"),
            "segment_ids": np.zeros((n, 10), "int32"), "padding_mask": mask.astype("int32")}


def _forgetting_tasks(bi, names, n: int = 16) -> dict[str, tuple]:
    """test_forgetting.py's cached tasks, the lower layers run once for all of them."""
    tokens = _forgetting_tokens(2 * n * len(names), 0)
    hidden = np.asarray(bi.lower.predict(tokens, batch_size=len(tokens["token_ids"]), verbose=0), "float32")
    mask = tokens["padding_mask"].astype(bool)
    tasks = {}
    for i, name in enumerate(names):
        one, two = slice(2 * i * n, (2 * i + 1) * n), slice((2 * i + 1) * n, (2 * i + 2) * n)
        cached = {"h1": hidden[one], "m1": mask[one], "h2": hidden[two], "m2": mask[two]}
        y = np.linspace(0, 5, n) if name.startswith("stsb") else (np.arange(n) % 2)
        tasks[name] = (cached, y)
    return tasks


@pytest.fixture(scope="module")
def bi_tasks():
    """test_forgetting.py's tiny backbone (vocabulary 40, 2 layers, hidden 8), split at top=1,
    and its cached tasks with an stsb_ood set; the tests below leave its weights as they are."""
    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(vocabulary_size=40, num_layers=2, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16, max_sequence_length=12)
    bi = models.build_bi_encoder(backbone, top=1)
    names = ("stsb_train", "stsb_dev", "mrpc_train", "mrpc_dev", "mrpc_test", "stsb_ood")
    return bi, _forgetting_tasks(bi, names)


def test_forgetting_score_adds_stsb_ood_only_when_given(bi_tasks):
    from utils.experiments import forgetting

    bi, tasks = bi_tasks
    without = {k: v for k, v in tasks.items() if k != "stsb_ood"}
    plain = forgetting.score(bi, without)
    assert list(plain) == ["stsb_dev", "mrpc_dev", "mrpc_test"]
    both = forgetting.score(bi, tasks)
    assert list(both) == ["stsb_dev", "stsb_ood", "mrpc_dev", "mrpc_test"]
    assert {k: both[k] for k in plain} == plain, "the other scores do not change"
    assert both["stsb_ood"] == forgetting.stsb_spearman(bi, *tasks["stsb_ood"])
    assert -1 <= both["stsb_ood"] <= 1 and both["stsb_ood"] != both["stsb_dev"]


def test_sequential_controls_score_stsb_ood_in_every_arm(bi_tasks, monkeypatch):
    """The keys only: the training is a spy (test_forgetting.py trains for real, without it)."""
    from utils.experiments import forgetting

    def spy(model, x, y, steps, lr, loss, seed, sample_weight=None, rows=None, callbacks=None, **recipe):
        for callback in callbacks or []:  # _KeepAt keeps the weights as they are
            callback.set_model(model)
            callback.on_train_batch_end(callback.step - 1)
        return 0.0

    monkeypatch.setattr(forgetting, "train_steps", spy)
    monkeypatch.setattr(forgetting, "probe_head", lambda *args, **kwargs: None)
    bi, tasks = bi_tasks
    out = forgetting.sequential_controls(bi, tasks, forgetting.top_snapshot(bi), 1, 1, 1e-2, 1e-2, seed=0)
    assert list(out) == list(forgetting.CONTROLS)
    base = {"stsb_dev", "stsb_ood", "mrpc_dev", "mrpc_test", "steps"}
    assert {arm: set(r) for arm, r in out.items()} == {
        "A": base, "A+": base, "B": base | {"stsb_after_1", "stsb_ood_after_1"},
        "S": base | {"stsb_after_1", "stsb_ood_after_1"},
        "R": base | {"mrpc_test_after_1", "mrpc_dev_after_1"}}
    # nothing trained: every arm scores the pretrained encoder, on each set its own Spearman
    ood = forgetting.stsb_spearman(bi, *tasks["stsb_ood"])
    assert all(r["stsb_ood"] == ood for r in out.values())
    assert out["B"]["stsb_ood_after_1"] == ood and out["B"]["stsb_after_1"] == out["B"]["stsb_dev"]

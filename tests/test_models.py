import keras
import numpy as np
import pytest

from utils import models, weights
from utils.assets import AssetCorruptError, AssetNotFoundError, sha256_of


def test_load_backbone_imagenet_offline_and_rescales():
    model = models.load_backbone("mobilenet_v2", 0.35, 96 + 16)  # 112 px uses the 224 file
    assert model.output_shape == (None, 4, 4, 1280)
    first_conv = model.base.get_layer("Conv1").kernel
    random = models.load_backbone("mobilenet_v2", 0.35, 112, weights=None)
    assert not np.allclose(first_conv, random.base.get_layer("Conv1").kernel)
    assert model.get_layer("to_minus1_1").scale == pytest.approx(1 / 127.5)


def test_load_backbone_mobilenet_v1():
    model = models.load_backbone("mobilenet", 0.25, 128 + 16, weights=None)
    assert model.output_shape[-1] == 256


@pytest.mark.parametrize(
    "kwargs,error,match",
    [({"name": "mobilenetv2"}, KeyError, "Did you mean 'mobilenet_v2'"),
     ({"name": "resnet50"}, KeyError, "supported: \\['mobilenet', 'mobilenet_v2'\\]"),
     ({"alpha": 0.3}, ValueError, "alpha=0.3.*0.35"),
     ({"image_size": 16}, ValueError, "image_size"),
     ({"weights": "imagnet"}, ValueError, "weights must be")],
)
def test_load_backbone_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        models.load_backbone(**kwargs)


def test_missing_weight_file_offline_names_file_folder_and_url(clean_env, tmp_path):
    clean_env.setenv("TL_WEIGHTS_DIR", str(tmp_path))
    clean_env.setattr(models.vision, "_MOBILENET_V2_URL", "http://127.0.0.1:9/")
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.75_224_no_top.h5"
    with pytest.raises(AssetNotFoundError) as info:
        models.load_backbone("mobilenet_v2", 0.75, 224)
    text = str(info.value)
    assert fname in text and str(tmp_path) in text and "http://127.0.0.1:9/" + fname in text


def test_install_local_weights(clean_env, tmp_path):
    clean_env.setenv("KERAS_HOME", str(tmp_path))  # read at call time, after keras's import
    assert models.install_local_weights("no_such_file.h5") is None
    path = models.install_local_weights("mobilenet_2_5_224_tf_no_top.h5")
    assert path == tmp_path / "models" / "mobilenet_2_5_224_tf_no_top.h5"
    assert path.stat().st_size == 2108140
    assert sha256_of(path) == models.vision._WEIGHT_SHA256[path.name]  # the pinned hash
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporaries are left"


def test_load_backbone_loads_the_verified_file_from_the_current_keras_home(clean_env, tmp_path):
    clean_env.setenv("KERAS_HOME", str(tmp_path))
    model = models.load_backbone("mobilenet", 0.25, 144)  # no file of its own: the 224 one
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["mobilenet_2_5_224_tf_no_top.h5"]
    assert model.output_shape[-1] == 256


def test_a_numpy_alpha_names_the_real_weight_file(clean_env, tmp_path):
    clean_env.setenv("KERAS_HOME", str(tmp_path))
    model = models.load_backbone("mobilenet_v2", np.float32(0.35), 112)
    names = [p.name for p in (tmp_path / "models").iterdir()]
    assert names == ["mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"]
    assert model.output_shape == (None, 4, 4, 1280)


def test_a_truncated_local_weight_file_is_refused_with_its_path(clean_env, tmp_path):
    shared = tmp_path / "weights"
    shared.mkdir()
    good = (config_weights() / "mobilenet_2_5_224_tf_no_top.h5").read_bytes()
    (shared / "mobilenet_2_5_224_tf_no_top.h5").write_bytes(good[: len(good) // 3])
    clean_env.setenv("TL_WEIGHTS_DIR", str(shared))
    clean_env.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(AssetCorruptError, match="mobilenet_2_5_224_tf_no_top.h5: unreadable HDF5"):
        models.load_backbone("mobilenet", 0.25, 224)
    assert not (tmp_path / "keras" / "models" / "mobilenet_2_5_224_tf_no_top.h5").exists()


def config_weights():
    from utils import config

    folder = config.get_weights_dir()
    if folder is None:
        pytest.skip("no local weights folder")
    return folder


def test_build_classifier_and_count_params():
    backbone = models.load_backbone("mobilenet_v2", 0.35, 64 + 16, weights=None)
    model = models.build_classifier(backbone, 5, dropout=0.3, augment=True)
    assert model.output_shape == (None, 5)
    probs = model.predict(np.zeros((2, 80, 80, 3), "uint8"), verbose=0)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    counts = weights.count_params(model)
    assert counts["total"] == counts["trainable"] + counts["non_trainable"]
    assert counts["trainable"] == weights.count_params(backbone)["trainable"] + 1280 * 5 + 5


@pytest.mark.parametrize("kwargs,match", [({"num_classes": 1}, "num_classes"),
                                          ({"num_classes": 3, "dropout": 1.0}, "dropout")])
def test_build_classifier_rejects_bad_arguments(kwargs, match):
    backbone = models.load_backbone("mobilenet_v2", 0.35, 64 + 16, weights=None)
    with pytest.raises(ValueError, match=match):
        models.build_classifier(backbone, **kwargs)


def test_count_params_of_unbuilt_layer_is_zero():
    assert weights.count_params(keras.layers.Dense(3))["total"] == 0


def test_pair_tokenizer_matches_bert_conventions():
    tok = models.load_pair_tokenizer(16)
    out = tok(["A café sits."], ["A dog runs."])
    ids = out["token_ids"][0]
    assert ids[0] == 101 and list(ids).count(102) == 2  # [CLS] a [SEP] b [SEP]
    assert out["segment_ids"][0].max() == 1
    assert out["padding_mask"][0].sum() == (ids != 0).sum()
    assert "cafe" in tok.decode(ids)  # accents stripped like the original tokenizer
    assert tok.vocabulary_size == 30522
    assert tok.token_lengths(["a b c"], ["d"]).tolist() == [7]
    assert tok(["x " * 40], ["y " * 40])["token_ids"].shape == (1, 16)


def test_pair_tokenizer_rejects_bad_input():
    tok = models.load_pair_tokenizer(16)
    with pytest.raises(TypeError, match="lists of sentences"):
        tok("a sentence")
    with pytest.raises(ValueError, match="got 2 first and 1 second"):
        tok(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="max_length"):
        models.load_pair_tokenizer(4)


def test_load_text_encoder_real_checkpoint():
    encoder = models.load_text_encoder()
    assert encoder.hidden_dim == 384 and encoder.num_layers == 6
    assert 22_000_000 < encoder.count_params() < 23_500_000


def test_encoder_dir_override_must_be_a_checkpoint(clean_env, tmp_path):
    clean_env.setenv("TL_ENCODER_DIR", str(tmp_path))
    with pytest.raises(AssetNotFoundError, match="TL_ENCODER_DIR.*config.json"):
        models.encoder_folder()

import numpy as np
import pytest

from utils import assets as _fetch
from utils import data
from utils.assets import AssetNotFoundError


def test_stratified_split_is_disjoint_complete_and_balanced():
    labels = np.repeat(np.arange(3), 20)
    tr, va, te = data.stratified_split(labels, (0.6, 0.2, 0.2), seed=0)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(60))
    for part, n in ((tr, 12), (va, 4), (te, 4)):
        assert np.bincount(labels[part]).tolist() == [n, n, n]


def test_stratified_split_is_seeded():
    labels = np.repeat(np.arange(2), 10)
    a = data.stratified_split(labels, (0.6, 0.2, 0.2), seed=1)
    b = data.stratified_split(labels, (0.6, 0.2, 0.2), seed=1)
    c = data.stratified_split(labels, (0.6, 0.2, 0.2), seed=2)
    assert all((x == y).all() for x, y in zip(a, b))
    assert any((x != y).any() for x, y in zip(a, c))


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.6, 0.3, 0.3), (1.0, 0.0, 0.0)])
def test_stratified_split_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions"):
        data.stratified_split(np.zeros(10), fractions, 0)


def test_stratified_split_rejects_tiny_class():
    with pytest.raises(ValueError, match="too few"):
        data.stratified_split(np.array([0, 0, 1]), (0.6, 0.2, 0.2), 0)


def test_load_flowers_quick_subset():
    d = data.load_flowers(image_size=64, n_per_class=10, profile="quick", seed=0)
    assert d.class_names == data.FLOWER_CLASSES
    assert d.x_train.shape == (30, 64, 64, 3) and d.x_train.dtype == np.uint8
    assert d.sizes() == {"train": 30, "val": 10, "test": 10}
    assert np.bincount(d.y_test).tolist() == [2] * 5
    assert d.source.startswith("local:")
    assert 20 < d.x_train.mean() < 235  # real photos, not blank arrays


def test_load_flowers_rejects_bad_arguments():
    with pytest.raises(ValueError, match="image_size"):
        data.load_flowers(image_size=8)
    with pytest.raises(ValueError, match="n_per_class"):
        data.load_flowers(n_per_class=2)
    with pytest.raises(ValueError, match="use one of quick, full"):
        data.load_flowers(profile="medium")


def test_load_flowers_offline_without_local_copy_names_file_place_and_url(clean_env, tmp_path):
    clean_env.setenv("TL_DATA_DIR", str(tmp_path))
    # A loopback port nobody listens on: the download fails at once, like offline.
    clean_env.setattr(data.images, "FLOWERS_URL", "http://127.0.0.1:9/flower_photos.tgz")
    with pytest.raises(AssetNotFoundError) as info:
        data.load_flowers(image_size=32, profile="quick")
    message = str(info.value)
    assert "flower_photos.tgz" in message
    assert f"{tmp_path}/flower_photos_224" in message
    assert "http://127.0.0.1:9/flower_photos.tgz" in message
    assert not (_fetch.cache_root("datasets") / "flower_photos.tgz").exists()


def test_load_pairs_offline_without_local_copy(clean_env, tmp_path):
    clean_env.setenv("TL_DATA_DIR", str(tmp_path))
    clean_env.setattr(data.pairs, "_MRPC_DEV_IDS_URL", "http://127.0.0.1:9/dev_ids.tsv")
    if (_fetch.cache_root("datasets/glue-mrpc") / "dev_ids.tsv").exists():
        pytest.skip("a verified dev_ids.tsv is already cached")
    with pytest.raises(AssetNotFoundError, match="glue-mrpc/dev_ids.tsv"):
        data.load_pairs("mrpc", "validation")


def test_load_digits_rgb_shapes_and_classes():
    d = data.load_digits_rgb(image_size=32, n_per_class=10, seed=0)
    assert d.x_train.shape == (60, 32, 32, 3)
    assert d.num_classes == 10
    assert (d.x_train[..., 0] == d.x_train[..., 2]).all()  # grey copied to RGB
    assert d.x_train.max() > 200


@pytest.mark.parametrize(
    "name,split,n,mean_range",
    [("stsb", "train", 5749, (2.5, 2.9)), ("stsb", "validation", 1500, (2.2, 2.5)),
     ("stsb", "test", 1379, (2.4, 2.8)), ("mrpc", "train", 3668, (0.66, 0.68)),
     ("mrpc", "validation", 408, (0.67, 0.69)), ("mrpc", "test", 1725, (0.66, 0.67))],
)
def test_load_pairs_counts_and_labels(name, split, n, mean_range):
    pairs = data.load_pairs(name, split)
    assert len(pairs) == n == len(pairs.sentence1) == len(pairs.sentence2)
    assert mean_range[0] < float(pairs.labels.mean()) < mean_range[1]
    assert all(isinstance(s, str) and s for s in pairs.sentence1[:50])


def test_load_pairs_sample_is_seeded_subset():
    a = data.load_pairs("mrpc", "train", n=50, seed=3)
    b = data.load_pairs("mrpc", "train", n=50, seed=3)
    assert len(a) == 50 and a.sentence1 == b.sentence1
    full = data.load_pairs("mrpc", "train")
    assert set(a.sentence1) <= set(full.sentence1)


def test_load_pairs_accepts_glue_spelling():
    assert data.load_pairs("STS-B", "validation", n=5).name == "stsb"


def test_load_pairs_rejects_unknown_name_and_split():
    with pytest.raises(KeyError, match="known: \\['kluests', 'korqpair', 'korsts', 'mrpc', 'stsb'\\]"):
        data.load_pairs("qqp", "train")
    with pytest.raises(KeyError, match="Unknown split 'dev'"):
        data.load_pairs("mrpc", "dev")

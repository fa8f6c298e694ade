"""Pretrained models of the course and what is built on them.

* ``vision``: ImageNet backbones (MobileNetV2/MobileNet) and the classifier put on them;
* ``encoder``: the text encoder all-MiniLM-L6-v2 as a KerasHub ``BertBackbone``;
* ``tokenizer``: sentence pairs to token arrays (cached), backend-agnostic;
* ``pooling``: token vectors to one vector (mean, [CLS]) and Sentence-BERT pair features;
* ``pairs``: cross-encoders, ``transfer_encoder`` (the second fine-tune), the models of 06;
* ``heads``: [CLS]/mean/BiLSTM heads on token outputs and a head on two embeddings;
* ``split``: the encoder cut in two, top layers fine-tuned on cached activations (07);
* ``bi_encoder``: the encoder as a bi-encoder, top layers on cached activations (09);
* ``alternatives``: the encoder's architecture untrained, another Hub checkpoint (11);
* ``inference``: fixed-shape prediction, token features, embeddings, cosine similarity.

Notebooks call the names below as ``models.load_backbone(...)`` etc.
"""

from utils.models.alternatives import hub_reachable, load_hub_encoder, random_encoder_like
from utils.models.bi_encoder import BiEncoder, build_bi_encoder, cache_pairs
from utils.models.encoder import (
    ENCODER_HF_PRESET,
    encoder_folder,
    encoder_layer_groups,
    find_encoder,
    load_text_encoder,
)
from utils.models.heads import (
    HEADS,
    build_embedding_head,
    build_head,
    build_pair_classifier,
    count_head_params,
)
from utils.models.inference import (
    compute_cosine_similarity,
    cosine,
    embed_pairs,
    extract_token_features,
    predict_padded,
)
from utils.models.pairs import (
    TASKS,
    PairModels,
    build_cross_encoder,
    build_pair_models,
    transfer_encoder,
)
from utils.models.pooling import POOLINGS, ClsPool, PairFeatures, mean_pool, pool
from utils.models.split import SplitEncoder, lower_layers, split_encoder
from utils.models.tokenizer import (
    TOKEN_INPUTS,
    PairTokenizer,
    concat_rows,
    encode_pairs,
    encode_sentences,
    load_pair_tokenizer,
    take_rows,
    token_inputs,
    token_overlap,
)
from utils.models.vision import BACKBONES, build_classifier, install_local_weights, load_backbone

__all__ = [
    "BACKBONES", "ENCODER_HF_PRESET", "HEADS", "POOLINGS", "TASKS", "TOKEN_INPUTS",
    "BiEncoder", "ClsPool", "SplitEncoder", "PairFeatures", "PairModels", "PairTokenizer",
    "build_bi_encoder", "build_classifier", "cache_pairs", "build_cross_encoder", "build_embedding_head", "build_head",
    "build_pair_classifier", "build_pair_models", "compute_cosine_similarity", "concat_rows",
    "cosine", "count_head_params", "embed_pairs", "encode_pairs", "encode_sentences",
    "encoder_folder", "encoder_layer_groups", "extract_token_features", "find_encoder",
    "hub_reachable", "install_local_weights", "load_backbone", "load_hub_encoder", "lower_layers", "load_pair_tokenizer", "load_text_encoder",
    "mean_pool", "pool", "predict_padded", "random_encoder_like", "split_encoder", "take_rows", "token_inputs", "token_overlap", "transfer_encoder",
]

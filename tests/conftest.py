import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The test models are tiny: with two torch threads each op pays thread hand-off costs that dwarf the
# work (CORE measured 79 s with one thread vs 476 s with two on a loaded 2-core machine). Parallelism
# comes from pytest-xdist workers instead.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(1)

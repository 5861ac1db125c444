#!/usr/bin/env bash
# GPU benchmark: pretraining, stage-1 screening and fine-tuning on --device cuda, one JSON
# document on stdout (with the GPU's name), in under 5 minutes on a recent GPU.
#   bash bench/gpu.sh            (needs .venv from scripts/setup.sh and a CUDA build of torch)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" - <<'PYEOF' || { echo '{"benchmark": "gpu", "error": "no CUDA device visible to torch"}'; exit 1; }
import sys, torch
sys.exit(0 if torch.cuda.is_available() else 1)
PYEOF
tmp=$(mktemp -d)
"$PY" bench/pretrain.py --device cuda --models 64 --rows 20000 --epochs 8 > "$tmp/pretrain.json"
"$PY" bench/screen.py --device cuda --models 20000 --sample 50 --rf-sample 5 > "$tmp/screen.json"
"$PY" bench/finetune.py --device cuda --models 16 > "$tmp/finetune.json"
"$PY" - "$tmp" <<'PYEOF'
import json, sys, torch
from pathlib import Path
tmp = Path(sys.argv[1])
print(json.dumps({"benchmark": "gpu", "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                  "cuda": torch.version.cuda,
                  **{name: json.loads((tmp / f"{name}.json").read_text()) for name in ("pretrain", "screen", "finetune")}},
                 indent=2))
PYEOF
rm -rf "$tmp"

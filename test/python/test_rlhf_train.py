"""Tests for python/rlhf_train.py that need no torch/transformers/trl.

Run: python3 -m unittest discover -s test/python
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import types
import unittest
import unittest.mock

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "python", "rlhf_train.py")
sys.path.insert(0, os.path.join(ROOT, "python"))
import rlhf_train as rt  # noqa: E402


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class ParseArgsTest(unittest.TestCase):
    def test_required_and_defaults(self):
        a = rt.parse_args(["--method", "dpo", "--data", "d", "--output", "o", "--model", "m"])
        self.assertEqual((a.method, a.beta, a.use_peft, a.lora_r, a.epochs), ("dpo", 0.1, False, 16, 1.0))
        with self.assertRaises(SystemExit):
            with unittest.mock.patch("sys.stderr", io.StringIO()):
                rt.parse_args(["--method", "dpo", "--data", "d"])
        with self.assertRaises(SystemExit):
            with unittest.mock.patch("sys.stderr", io.StringIO()):
                rt.parse_args(["--method", "ppo", "--data", "d", "--output", "o", "--model", "m"])

    def test_config_file_sets_defaults_and_flags_override(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "run.json")
            write(cfg, json.dumps({"method": "kto", "data": "x", "output": "y", "model": "gpt2", "lora-r": 8,
                                   "use_peft": True, "beta": 0.3}))
            a = rt.parse_args(["--config", cfg, "--beta", "0.5"])
            self.assertEqual((a.method, a.lora_r, a.use_peft, a.beta, a.model), ("kto", 8, True, 0.5, "gpt2"))
            write(cfg, json.dumps({"methd": "dpo"}))
            with self.assertRaisesRegex(rt.DataError, "unknown key 'methd'"):
                rt.parse_args(["--config", cfg])
            write(cfg, "{\n oops")
            with self.assertRaisesRegex(rt.DataError, "line 2"):
                rt.parse_args(["--config", cfg])


class DataTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_loads_train_eval_and_manifest(self):
        write(os.path.join(self.d, "train.jsonl"), '{"prompt":"p","chosen":"a","rejected":"b"}\n\n{"prompt":"q","chosen":"c","rejected":"d"}\n')
        write(os.path.join(self.d, "eval.jsonl"), '{"chosen":[{"role":"assistant","content":"x"}],"rejected":[{"role":"assistant","content":"y"}]}\n')
        write(os.path.join(self.d, "manifest.json"), '{"hash":"abc"}')
        train, evals, manifest = rt.load_data(self.d, "dpo")
        self.assertEqual([r["chosen"] for r in train], ["a", "c"])
        self.assertEqual(len(evals), 1)
        self.assertEqual(manifest["hash"], "abc")

    def test_errors_name_file_line_and_field(self):
        p = os.path.join(self.d, "train.jsonl")
        write(p, '{"prompt":"p","chosen":"a","rejected":"b"}\n{"prompt":"p","chosen":"a"}\n')
        with self.assertRaisesRegex(rt.DataError, r"train.jsonl line 2: missing field 'rejected'"):
            rt.load_data(self.d, "dpo")
        write(p, '{"prompt":"p","completion":"a","label":"yes"}\n')
        with self.assertRaisesRegex(rt.DataError, "line 1: field 'label' must be true or false"):
            rt.load_data(self.d, "kto")
        write(p, '{"input":{"messages":[]},"preferred_output":[],"non_preferred_output":[]}\n')
        with self.assertRaisesRegex(rt.DataError, "OpenAI/Together DPO format"):
            rt.load_data(self.d, "dpo")
        write(p, '{"prompt": "p"\n')
        with self.assertRaisesRegex(rt.DataError, "line 1: not JSON"):
            rt.load_data(self.d, "sft")
        os.remove(p)
        with self.assertRaisesRegex(rt.DataError, "no train.jsonl"):
            rt.load_data(self.d, "sft")

    def test_sft_accepts_messages(self):
        write(os.path.join(self.d, "train.jsonl"), '{"messages":[{"role":"user","content":"hi"}]}\n')
        self.assertEqual(len(rt.load_data(self.d, "sft")[0]), 1)


class State:
    is_world_process_zero = True
    global_step = 7
    max_steps = 20
    epoch = 0.35


class Control:
    should_training_stop = False


class EventTest(unittest.TestCase):
    def test_on_log_prints_exactly_one_json_line(self):
        out = io.StringIO()
        logger = rt.JsonLinesLogger(stream=out)
        logger.on_log(None, State(), Control(), logs={"loss": 0.5, "rewards/accuracies": 0.75, "rewards/margins": 1.25,
                                                      "epoch": 0.35, "grad_norm": float("nan")})
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 1)
        ev = json.loads(lines[0])
        self.assertEqual(ev, {"event": "log", "step": 7, "max_steps": 20, "epoch": 0.35, "loss": 0.5,
                              "rewards/accuracies": 0.75, "rewards/margins": 1.25, "grad_norm": None})

    def test_no_output_off_rank_zero_or_without_logs(self):
        out = io.StringIO()
        s = State()
        s.is_world_process_zero = False
        rt.JsonLinesLogger(stream=out).on_log(None, s, Control(), logs={"loss": 1.0})
        rt.JsonLinesLogger(stream=out).on_log(None, State(), Control(), logs=None)
        self.assertEqual(out.getvalue(), "")

    def test_tensor_like_values_are_unwrapped(self):
        class T:
            def item(self):
                return 2.5

        self.assertEqual(json.loads(rt.format_event("log", loss=T(), nested={"a": float("inf")})),
                         {"event": "log", "loss": 2.5, "nested": {"a": None}})

    def test_stop_flag_asks_trainer_to_stop(self):
        flag = {"stop": False}
        logger = rt.JsonLinesLogger(stop_flag=flag)
        c = Control()
        logger.on_step_end(None, State(), c)
        self.assertFalse(c.should_training_stop)
        flag["stop"] = True
        logger.on_step_end(None, State(), c)
        self.assertTrue(c.should_training_stop)


def fake_importer(modules):
    """try_import over a dict: name -> module, or an exception to raise."""
    def imp(name):
        v = modules.get(name, ModuleNotFoundError("No module named '%s'" % name))
        if isinstance(v, Exception):
            return None, "%s: %s" % (type(v).__name__, v)
        return v, None
    return imp


def module(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


class CheckEnvTest(unittest.TestCase):
    def test_everything_importable(self):
        cuda = types.SimpleNamespace(is_available=lambda: True, device_count=lambda: 2)
        mods = {"torch": module("torch", __version__="2.5.0", cuda=cuda), "transformers": module("transformers", __version__="4.51.0"),
                "trl": module("trl", __version__="0.19.1"), "accelerate": module("accelerate", __version__="1.6.0"),
                "accelerate.commands.launch": module("accelerate.commands.launch"), "datasets": module("datasets", __version__="3.5.0"),
                "peft": module("peft", __version__="0.15.0"), "optimum": module("optimum"), rt.ONNX_EXPORTER: module(rt.ONNX_EXPORTER)}
        env = rt.check_env(need_peft=True, need_onnx=True, importer=fake_importer(mods))
        self.assertEqual((env["missing"], env["fix"], env["problems"], env["errors"]), ([], None, [], {}))
        self.assertEqual((env["trl"], env["cuda_devices"], env["accelerate_launch"], env["onnx_export"]), ("0.19.1", 2, True, True))

    def test_old_trl_broken_accelerate_launcher_and_no_onnx_exporter(self):
        mods = {"torch": module("torch", __version__="2.5.0", cuda=types.SimpleNamespace(is_available=lambda: False)),
                "transformers": module("transformers", __version__="4.51.0"), "trl": module("trl", __version__="0.15.2"),
                "accelerate": module("accelerate", __version__="1.6.0"), "accelerate.commands.launch": RuntimeError("bad install"),
                "datasets": module("datasets", __version__="3.5.0"), "optimum": module("optimum"),
                rt.ONNX_EXPORTER: ImportError("cannot import name 'main_export'")}
        env = rt.check_env(need_onnx=True, importer=fake_importer(mods))
        self.assertEqual(env["missing"], ["trl", "optimum"])  # peft is not needed without LoRA
        self.assertEqual(env["errors"]["accelerate.commands.launch"], "RuntimeError: bad install")
        self.assertFalse(env["accelerate_launch"])
        self.assertFalse(env["onnx_export"])
        self.assertEqual(env["cuda_devices"], 0)
        self.assertIn("-m pip install -U 'trl>=%s' 'optimum[onnx]'" % rt.MIN_TRL, env["fix"])
        self.assertEqual(len(env["problems"]), 2)
        self.assertIn("ONNX export needs optimum.exporters.onnx", env["problems"][1])

    def test_version_tuple(self):
        self.assertEqual(rt.version_tuple("0.16.0.dev0"), (0, 16, 0))
        self.assertEqual(rt.version_tuple("0.9"), (0, 9, 0))
        self.assertEqual(rt.version_tuple("1.0.0rc1+cu121"), (1, 0, 0))
        self.assertLess(rt.version_tuple("0.9.6"), rt.version_tuple(rt.MIN_TRL))
        self.assertGreaterEqual(rt.version_tuple("0.16.0"), rt.version_tuple(rt.MIN_TRL))


# ---------------------------------------------------------------- train() with fake libraries


class Recorder:
    def __init__(self):
        self.calls = []


class FakeConfig:
    def __init__(self, **kw):
        self.kw = kw


class FakeModel:
    def __init__(self, name, rec, merged=False):
        self.name, self.rec, self.merged = name, rec, merged
        self.config = types.SimpleNamespace(pad_token_id=None)

    def save_pretrained(self, d):
        self.rec.calls.append(("model.save_pretrained", d))
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "config.json"), json.dumps({"merged": self.merged}))


class FakePeftModel:
    def __init__(self, base, rec):
        self.base, self.rec = base, rec

    def merge_and_unload(self):
        self.rec.calls.append(("merge_and_unload",))
        return FakeModel(self.base.name, self.rec, merged=True)


class FakeAccelerator:
    def __init__(self, rec, main):
        self.rec, self.is_main_process = rec, main

    def wait_for_everyone(self):
        self.rec.calls.append(("wait_for_everyone",))

    def unwrap_model(self, model):
        return model


class FakeTokenizer:
    pad_token = None
    eos_token = "</s>"
    pad_token_id = 0

    def __init__(self, rec):
        self.rec = rec

    def save_pretrained(self, d):
        self.rec.calls.append(("tokenizer.save_pretrained", d))
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "tokenizer.json"), "{}")


def fake_libraries(rec, main=True, kto="trl", onnx=True):
    """sys.modules entries standing in for datasets/transformers/peft/trl/optimum."""

    class FakeTrainer:
        def __init__(self, model, args, train_dataset, eval_dataset, processing_class, peft_config, callbacks):
            rec.trainer = self
            self.kw = dict(model=model, args=args, train_dataset=train_dataset, eval_dataset=eval_dataset,
                           processing_class=processing_class, peft_config=peft_config, callbacks=callbacks)
            self.model = FakePeftModel(model, rec) if peft_config is not None else model
            self.accelerator = FakeAccelerator(rec, main)

        def train(self):
            rec.calls.append(("train",))

        def save_model(self, d):
            # With PEFT the Trainer writes only the adapter.
            rec.calls.append(("save_model", d))
            os.makedirs(d, exist_ok=True)
            name = "adapter_config.json" if isinstance(self.model, FakePeftModel) else "config.json"
            write(os.path.join(d, name), "{}")

    def main_export(model_dir, output, task):
        # As optimum: an adapter folder is no model it can load.
        if not os.path.isfile(os.path.join(model_dir, "config.json")):
            raise OSError("%s does not appear to have a file named config.json" % model_dir)
        rec.calls.append(("main_export", model_dir, output, task))

    def trainer_type(name):
        return type(name, (FakeTrainer,), {})

    def config_type(name):
        return type(name, (FakeConfig,), {})

    trl_attrs = {n: trainer_type(n) for n in ("DPOTrainer", "RewardTrainer", "SFTTrainer")}
    trl_attrs.update({n: config_type(n) for n in ("DPOConfig", "RewardConfig", "SFTConfig")})
    mods = {}
    if kto == "trl":
        trl_attrs.update(KTOTrainer=trainer_type("KTOTrainer"), KTOConfig=config_type("KTOConfig"))
    if kto in ("experimental", "lazy-error"):
        mods["trl.experimental"] = module("trl.experimental")
        mods["trl.experimental.kto"] = module("trl.experimental.kto", KTOTrainer=trainer_type("ExpKTOTrainer"), KTOConfig=config_type("ExpKTOConfig"))
    trl = module("trl", __version__="0.27.0", **trl_attrs)
    if kto == "lazy-error":
        class LazyTrl(types.ModuleType):
            def __getattr__(self, name):
                if name.startswith("KTO"):
                    raise RuntimeError("Failed to import trl.trainer.kto_trainer")
                raise AttributeError(name)

        trl = LazyTrl("trl")
        trl.__version__ = "0.27.0"
        for k, v in trl_attrs.items():
            setattr(trl, k, v)
    mods["trl"] = trl
    mods["datasets"] = module("datasets", Dataset=types.SimpleNamespace(from_list=lambda rows: list(rows)))
    mods["transformers"] = module(
        "transformers",
        TrainerCallback=type("TrainerCallback", (), {}),
        AutoTokenizer=types.SimpleNamespace(from_pretrained=lambda name: FakeTokenizer(rec)),
        AutoModelForSequenceClassification=types.SimpleNamespace(from_pretrained=lambda name, num_labels: FakeModel(name, rec)),
        AutoModelForCausalLM=types.SimpleNamespace(from_pretrained=lambda name: FakeModel(name, rec)),
    )
    mods["peft"] = module("peft", LoraConfig=lambda **kw: dict(kw))
    if onnx:
        mods["optimum"] = module("optimum")
        mods["optimum.exporters"] = module("optimum.exporters")
        mods["optimum.exporters.onnx"] = module("optimum.exporters.onnx", main_export=main_export)
    else:
        mods["optimum.exporters.onnx"] = None  # import fails as if not installed
    return mods


class TrainWithFakeLibrariesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        self.data = os.path.join(self.d, "data")
        self.out = os.path.join(self.d, "out")
        os.makedirs(self.data)
        write(os.path.join(self.data, "train.jsonl"), '{"prompt":"p","chosen":"a","rejected":"b"}\n')
        self.rec = Recorder()

    def tearDown(self):
        self.tmp.cleanup()

    def run_train(self, *flags, method="reward", stop=False, **fakes):
        args = rt.parse_args(["--method", method, "--data", self.data, "--output", self.out, "--model", "tiny", *flags])
        out = io.StringIO()
        with unittest.mock.patch.dict(sys.modules, fake_libraries(self.rec, **fakes)), unittest.mock.patch("sys.stdout", out):
            rt.train(args, {"stop": stop})
        return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]

    def names(self):
        return [c[0] for c in self.rec.calls]

    def test_lora_reward_model_is_merged_and_the_merged_model_exported_to_onnx(self):
        events = self.run_train("--use-peft", "--export-onnx")
        merged = os.path.join(self.out, "merged")
        self.assertEqual(self.rec.trainer.kw["peft_config"]["task_type"], "SEQ_CLS")
        self.assertIn(("main_export", merged, os.path.join(self.out, "onnx"), "text-classification"), self.rec.calls)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "adapter_config.json")))
        with open(os.path.join(merged, "config.json")) as f:
            self.assertEqual(json.load(f), {"merged": True})
        self.assertTrue(os.path.isfile(os.path.join(merged, "tokenizer.json")))
        self.assertEqual(self.names(), ["train", "save_model", "wait_for_everyone", "tokenizer.save_pretrained", "merge_and_unload",
                                        "model.save_pretrained", "tokenizer.save_pretrained", "main_export"])
        self.assertEqual(events[-1], {"event": "done", "output_dir": self.out, "stopped_early": False, "merged_dir": merged,
                                      "onnx_dir": os.path.join(self.out, "onnx")})

    def test_full_reward_model_is_exported_from_the_output_folder(self):
        events = self.run_train("--export-onnx")
        self.assertIn(("main_export", self.out, os.path.join(self.out, "onnx"), "text-classification"), self.rec.calls)
        self.assertNotIn("merge_and_unload", self.names())
        self.assertNotIn("merged_dir", events[-1])

    def test_other_processes_save_with_the_trainer_and_write_nothing_else(self):
        events = self.run_train("--use-peft", "--export-onnx", main=False)
        self.assertEqual(self.names(), ["train", "save_model", "wait_for_everyone"])
        self.assertFalse(any(e["event"] == "done" for e in events))

    def test_cancelled_run_skips_the_export(self):
        events = self.run_train("--use-peft", "--export-onnx", stop=True)
        self.assertNotIn("main_export", self.names())
        self.assertIn({"event": "warning", "message": "run cancelled: skipped the ONNX export"}, events)
        self.assertEqual(events[-1]["stopped_early"], True)

    def test_missing_onnx_exporter_is_warned_before_training_and_the_run_still_finishes(self):
        events = self.run_train("--use-peft", "--export-onnx", onnx=False)
        self.assertEqual(events[0]["event"], "warning")
        self.assertIn("ONNX export will be skipped", events[0]["message"])
        self.assertEqual(events[-1]["event"], "done")
        self.assertIsNone(events[-1]["onnx_dir"])

    def test_eval_split_sets_an_eval_strategy(self):
        self.run_train(method="dpo")
        cfg = self.rec.trainer.kw["args"]
        self.assertNotIn("eval_strategy", cfg.kw)
        self.assertIsNone(self.rec.trainer.kw["eval_dataset"])
        self.assertEqual((cfg.kw["beta"], cfg.kw["max_length"]), (0.1, 1024))
        write(os.path.join(self.data, "eval.jsonl"), '{"prompt":"q","chosen":"c","rejected":"d"}\n')
        self.run_train("--batch-size", "4", method="dpo")
        cfg = self.rec.trainer.kw["args"]
        self.assertEqual((cfg.kw["eval_strategy"], cfg.kw["per_device_eval_batch_size"]), ("epoch", 4))
        self.assertEqual(len(self.rec.trainer.kw["eval_dataset"]), 1)
        self.assertEqual(type(cfg).__name__, "DPOConfig")

    def write_kto(self):
        write(os.path.join(self.data, "train.jsonl"), '{"prompt":"p","completion":"a","label":true}\n')

    def test_kto_from_trl_or_from_trl_experimental(self):
        self.write_kto()
        self.run_train(method="kto")
        self.assertEqual((type(self.rec.trainer).__name__, type(self.rec.trainer.kw["args"]).__name__), ("KTOTrainer", "KTOConfig"))
        for where in ("experimental", "lazy-error"):
            self.run_train(method="kto", kto=where)
            self.assertEqual((type(self.rec.trainer).__name__, type(self.rec.trainer.kw["args"]).__name__), ("ExpKTOTrainer", "ExpKTOConfig"))

    def test_no_kto_anywhere_is_a_clear_error_event(self):
        self.write_kto()
        args = ["--method", "kto", "--data", self.data, "--output", self.out, "--model", "tiny"]
        out, err = io.StringIO(), io.StringIO()
        with unittest.mock.patch.dict(sys.modules, fake_libraries(self.rec, kto=None)), \
                unittest.mock.patch("sys.stdout", out), unittest.mock.patch("sys.stderr", err):
            code = rt.main(args)
        self.assertEqual(code, 1)
        ev = json.loads(out.getvalue().splitlines()[-1])
        self.assertEqual(ev["event"], "error")
        self.assertIn("no KTO trainer: neither trl.KTOTrainer nor trl.experimental.kto.KTOTrainer", ev["message"])
        self.assertIn("0.27.0", ev["message"])
        self.assertNotIn("train", self.names())  # refused before loading anything
        self.assertEqual(err.getvalue(), "")


class CliTest(unittest.TestCase):
    def run_script(self, *argv):
        return subprocess.run([sys.executable, SCRIPT, *argv], capture_output=True, text=True, timeout=60)

    def test_check_env_reports_missing_packages_with_fix(self):
        r = self.run_script("--check-env")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        env = json.loads(lines[0])
        self.assertEqual(env["event"], "env")
        self.assertEqual(env["python"], sys.version.split()[0])
        for key in ("trl", "accelerate", "torch", "cuda_devices", "missing", "fix", "errors", "problems", "min_trl", "accelerate_launch"):
            self.assertIn(key, env)
        self.assertEqual(env["min_trl"], rt.MIN_TRL)
        expected_missing = [n for n in rt.REQUIRED_PACKAGES if rt.try_import(n)[1] is not None]
        self.assertEqual([m for m in env["missing"] if m != "trl"], [m for m in expected_missing if m != "trl"])
        if expected_missing:
            self.assertRegex(env["fix"], r"-m pip install -U ")
            for name in expected_missing:
                self.assertIn(name, env["fix"])
                self.assertIn(name, env["errors"])

    def test_check_env_imports_for_real_a_broken_install_is_reported(self):
        # Packages find_spec finds but that fail to import, and a TRL older than MIN_TRL.
        with tempfile.TemporaryDirectory() as d:
            def pkg(name, body=""):
                os.makedirs(os.path.join(d, *name.split(".")), exist_ok=True)
                write(os.path.join(d, *name.split("."), "__init__.py"), body)

            pkg("torch", "raise OSError('libcudart.so.12: cannot open shared object file')\n")
            pkg("transformers", "__version__ = '4.50.0'\n")
            pkg("trl", "__version__ = '0.11.4'\n")
            pkg("datasets", "__version__ = '3.0.0'\n")
            pkg("accelerate", "__version__ = '1.2.0'\n")
            pkg("accelerate.commands")
            write(os.path.join(d, "accelerate", "commands", "launch.py"), "")
            pkg("peft", "import no_such_dependency_xyz\n")
            env = dict(os.environ, PYTHONPATH=d)
            r = subprocess.run([sys.executable, SCRIPT, "--check-env", "--use-peft"], capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            ev = json.loads(r.stdout.splitlines()[-1])
        self.assertIsNone(ev["torch"])
        self.assertEqual(ev["errors"]["torch"], "OSError: libcudart.so.12: cannot open shared object file")
        self.assertEqual((ev["trl"], ev["transformers"], ev["accelerate"]), ("0.11.4", "4.50.0", "1.2.0"))
        self.assertTrue(ev["accelerate_launch"])
        self.assertEqual(ev["missing"], ["torch", "peft", "trl"])
        self.assertIn("No module named 'no_such_dependency_xyz'", ev["errors"]["peft"])
        self.assertTrue(any("torch" in p and "does not import: OSError: libcudart" in p for p in ev["problems"]), ev["problems"])
        self.assertIn("trl 0.11.4 is older than %s" % rt.MIN_TRL, " | ".join(ev["problems"]))
        self.assertTrue(ev["fix"].endswith("-m pip install -U torch peft 'trl>=%s'" % rt.MIN_TRL), ev["fix"])
        self.assertEqual(ev["cuda_devices"], 0)
        self.assertIsNone(ev["onnx_export"])

    def test_bad_data_reports_error_event_and_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.run_script("--method", "dpo", "--data", d, "--output", d, "--model", "m")
            ev = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual(r.returncode, 2)
            self.assertEqual(ev["event"], "error")
            self.assertIn("no train.jsonl", ev["message"])

    def test_missing_libraries_give_error_event_and_traceback(self):
        import importlib.util as iu

        if iu.find_spec("trl") is not None:
            self.skipTest("trl installed here")
        with tempfile.TemporaryDirectory() as d:
            write(os.path.join(d, "train.jsonl"), '{"prompt":"p","chosen":"a","rejected":"b"}\n')
            r = self.run_script("--method", "dpo", "--data", d, "--output", d, "--model", "m")
            self.assertEqual(r.returncode, 1)
            ev = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual(ev["event"], "error")
            self.assertIn("No module named", ev["message"])
            self.assertIn("Traceback", r.stderr)


if __name__ == "__main__":
    unittest.main()

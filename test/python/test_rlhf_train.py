"""Tests for python/rlhf_train.py that need no torch/transformers/trl.

Run: python3 -m unittest discover -s test/python
"""
import io
import json
import os
import subprocess
import sys
import tempfile
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
        for key in ("trl", "accelerate", "torch", "cuda_devices", "missing", "fix"):
            self.assertIn(key, env)
        import importlib.util as iu

        expected_missing = [n for n in rt.REQUIRED_PACKAGES if iu.find_spec(n) is None]
        self.assertEqual(env["missing"], expected_missing)
        if expected_missing:
            self.assertIn("pip install " + " ".join(expected_missing), env["fix"])

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

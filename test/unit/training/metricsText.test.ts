// The Runs view's metrics line (src/host/trainingRuns.ts shows metricsText from core).
import { describe, expect, it } from 'vitest';
import { metricsFromLog, metricsText, parseTrainerLine } from '../../../src/core/training/events';

const fromLine = (line: string) => metricsFromLog(parseTrainerLine(line) as Record<string, unknown>);

describe('metricsText', () => {
  it('DPO: reward accuracy and margin from rewards/*', () => {
    const m = fromLine('{"event":"log","step":3,"max_steps":6,"epoch":0.5,"loss":0.61,"rewards/accuracies":0.75,"rewards/margins":0.42,"rewards/chosen":0.1}');
    expect(metricsText(m)).toBe('50% · step 3/6 · loss 0.610 · reward acc 0.750 · margin 0.420');
    expect(metricsText(m, true)).toBe('step 3/6 · loss 0.610');
  });

  it('reward model: accuracy and margin as TRL\'s RewardTrainer logs them, and its eval entries', () => {
    const train = fromLine('{"event":"log","step":4,"max_steps":8,"epoch":1.0,"loss":0.52,"accuracy":0.8,"margin":1.25,"min_reward":-2.0,"mean_reward":0.1,"max_reward":2.0}');
    expect(metricsText(train)).toBe('50% · step 4/8 · loss 0.520 · acc 0.800 · margin 1.25');
    const ev = fromLine('{"event":"log","step":8,"max_steps":8,"epoch":2.0,"eval_loss":0.48,"eval_accuracy":0.7,"eval_margin":0.9}');
    expect(metricsText(ev)).toBe('100% · step 8/8 · eval loss 0.480 · eval acc 0.700 · eval margin 0.900');
    // DPO eval entries too.
    expect(metricsText({ values: { 'eval_rewards/accuracies': 0.6, 'eval_rewards/margins': 0.3 } })).toBe('eval acc 0.600 · eval margin 0.300');
  });

  it('nothing known: no line', () => {
    expect(metricsText(undefined)).toBeUndefined();
    expect(metricsText({ values: { learning_rate: 1e-5 } })).toBeUndefined();
  });
});

using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Parallel;
using BertNative.Model.Training;
using BertNative.Tests.Model;

namespace BertNative.Tests.Training;

/// <summary>A run stopped after step K and resumed from its checkpoint ends with exactly the bytes of the run
/// that was never stopped: weights, both Adam moments and the per-step losses.</summary>
public class ResumeTests
{
    private const int Steps = 9, Batch = 32;
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-resume-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    // The synthetic corpus has about 120 examples: an epoch is 4 steps of 32, so both stops fall inside the second
    // or third epoch, after the sampler has reshuffled. Dropout, the linear schedule, AdamW's decay and clipping all run.
    [TestCase(LossMode.Intended, 5)]
    [TestCase(LossMode.BookPyTorch, 6)]
    public void StoppedAndResumedRunEndsBitForBitWhereTheUninterruptedRunEnds(LossMode mode, int stopAfter)
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        var wholeRun = Train(whole, resume: false, stopAfter: null, mode);
        Train(split, resume: false, stopAfter, mode);
        var resumed = Train(split, resume: true, stopAfter: null, mode);

        Assert.Multiple(() =>
        {
            foreach (string file in new[] { Checkpoint.WeightsFile, TrainingState.MomentMFile, TrainingState.MomentVFile })
                Assert.That(File.ReadAllBytes(Path.Combine(split, "checkpoint", file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, "checkpoint", file))), file);
            Assert.That(resumed.Steps.Select(s => (s.Step, s.Mlm, s.Nsp)), Is.EqualTo(wholeRun.Steps.Select(s => (s.Step, s.Mlm, s.Nsp))),
                "the resumed run's history: the steps before the stop read back from metrics.jsonl, then the same losses");
        });
    }

    [Test]
    public void ResumingWithOtherDataIsRefused()
    {
        Train(_dir, resume: false, stopAfter: 2, LossMode.Intended);
        var other = BertNative.Model.Data.ExampleBuilder.Build(TinyBert.Synthetic.Vocabulary is var v ? BertNative.Model.Data.Corpus.Parse(" w1 w2 . w3 w4 . \n", v) : null!, 16, seed: 9);
        var e = Assert.Throws<BertNative.Contract.BertNativeException>(() => Open(_dir, resume: true, LossMode.Intended, other).Dispose());
        Assert.That(e!.Message, Does.Contain("the data differs"));
    }

    private static TrainingRun Open(string dir, bool resume, LossMode mode, BertNative.Model.Data.PretrainingExamples? examples = null)
    {
        var config = TinyBert.SyntheticConfig(dropout: 0.1f);
        var cpu = new CpuBackend(2);
        // A resumed run starts from other weights: everything it continues from must come from the checkpoint.
        var model = new BertModel(cpu, config, Batch, 16, TinyBert.Init(config, seed: resume ? 99UL : 3UL)) { LossMode = mode };
        var optimizer = new OptimizerSettings(0.01f, ScheduleKind.Linear, Warmup: 2, WeightDecay: 0.01f, Clip: 0.5f);
        var plan = new RunPlan(config, TinyBert.Synthetic.Vocabulary, examples ?? TinyBert.Synthetic, new PretrainSettings(Steps, Batch, optimizer, Seed: 7, mode),
            new Dictionary<string, string> { ["batch"] = "32" });
        var runner = new StepRunner([new Replica(model, null)]);
        return resume ? TrainingRun.Resume(RunFolder.ForResume(dir), runner, plan) : TrainingRun.Start(RunFolder.ForNewRun(dir, overwrite: false), runner, plan);
    }

    private static TrainingRun Train(string dir, bool resume, int? stopAfter, LossMode mode)
    {
        using var run = Open(dir, resume, mode);
        using var stop = new CancellationTokenSource();
        run.Train(step => { if (step.Step == stopAfter) stop.Cancel(); }, _ => { }, stop.Token);
        run.SaveFinalCheckpoint();
        return run;
    }
}

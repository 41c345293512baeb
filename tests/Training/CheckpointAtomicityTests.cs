using BertNative.Model.Checkpoints;
using BertNative.Tests.Model;

namespace BertNative.Tests.Training;

/// <summary>The last good checkpoint is never lost: a save is staged whole and swapped in.</summary>
public class CheckpointAtomicityTests
{
    private string _dir = "";
    private string Folder => Path.Combine(_dir, "checkpoint");

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-atomic-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ASaveThatFailsHalfwayLeavesThePreviousCheckpoint()
    {
        var config = TinyBert.SyntheticConfig(0f);
        var first = TinyBert.Init(config, seed: 1);
        Checkpoint.Save(Folder, config, TinyBert.Synthetic.Vocabulary, first);
        Assert.Throws<IOException>(() => Checkpoint.Save(Folder, config, TinyBert.Synthetic.Vocabulary, TinyBert.Init(config, seed: 2),
            writeExtra: _ => throw new IOException("disk full")));
        Assert.That(Checkpoint.Load(Folder).Parameters, Is.EqualTo(first));
    }

    [Test]
    public void ACrashInsideTheSwapLeavesThePreviousCheckpointWhereLoadFindsIt()
    {
        var config = TinyBert.SyntheticConfig(0f);
        var weights = TinyBert.Init(config);
        Checkpoint.Save(Folder, config, TinyBert.Synthetic.Vocabulary, weights);
        Directory.Move(Folder, Folder + ".previous"); // the moment between moving the old one aside and moving the new one in
        Assert.That(Checkpoint.Load(Folder).Parameters, Is.EqualTo(weights));
        Checkpoint.Save(Folder, config, TinyBert.Synthetic.Vocabulary, weights);
        Assert.That(Directory.GetDirectories(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "checkpoint" }), "no staging or previous folder is left");
    }
}

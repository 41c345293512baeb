using System.Text.Json;
using BertNative.Tests.Cli;

namespace BertNative.Tests.Training;

public class EvaluationTests
{
    [Test]
    public void MlmAccuracyClimbsAboveNinetyPercentOnATextTheModelCanMemorise()
    {
        string dir = Directory.CreateTempSubdirectory("bn-memorise-").FullName;
        try
        {
            // Four paragraphs of three six-word sentences. Training sees them 60 times, each copy with its own masks and
            // NSP pairs; evaluation builds its examples from 10 copies with the fixed evaluation seed, so its masks are new.
            var rng = new BertNative.Model.Data.SeededRandom(5);
            string[] words = [.. Enumerable.Range(0, 30).Select(i => $"w{i}")];
            var paragraphs = Enumerable.Range(0, 4).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 3).Select(_ =>
            {
                var shuffled = words.ToArray();
                rng.Shuffle<string>(shuffled);
                return string.Join(' ', shuffled.Take(6));
            })) + " . ").ToList();
            string train = Path.Combine(dir, "train.txt"), held = Path.Combine(dir, "eval.txt");
            File.WriteAllLines(train, Enumerable.Repeat(paragraphs, 60).SelectMany(p => p));
            File.WriteAllLines(held, Enumerable.Repeat(paragraphs, 10).SelectMany(p => p));

            var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", train, "--eval-corpus", held, "--min-freq", "1",
                "--max-len", "20", "--batch", "64", "--hidden", "64", "--ffn", "128", "--heads", "2", "--layers", "2", "--dropout", "0",
                "--lr", "0.005", "--schedule", "linear", "--warmup", "20", "--steps", "300", "--eval-every", "50", "--seed", "1", "--out", Path.Combine(dir, "run"));
            Assert.That(code, Is.Zero, err);
            var accuracy = File.ReadAllLines(Path.Combine(dir, "run", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.TryGetProperty("split", out _)).Select(e => e.GetProperty("mlm_accuracy").GetDouble()).ToList();
            TestContext.Out.WriteLine($"MLM accuracy every 50 steps: {string.Join(", ", accuracy.Select(a => a.ToString("P1")))}");
            Assert.Multiple(() =>
            {
                Assert.That(accuracy, Has.Count.EqualTo(6));
                Assert.That(accuracy[0], Is.LessThan(accuracy[^1]), "it climbs");
                Assert.That(accuracy[^1], Is.GreaterThan(0.9));
            });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

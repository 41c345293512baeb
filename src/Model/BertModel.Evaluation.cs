using BertNative.Model.Training;

namespace BertNative.Model;

public sealed partial class BertModel
{
    private float[] _logitRows = [];

    /// <summary>After an inference forward of the intended loss (<see cref="ForwardHeads"/> without gradients): the
    /// summed losses and top-1 hits of the batch's real MLM slots and of its NSP labels. Reads the logits to the host.</summary>
    public EvaluationCounts ReadPredictionQuality()
    {
        int V = Config.VocabSize, B = _batchSize;
        int real = 0;
        while (real < _mlmRowCount && _mlmWeights[real] != 0f) real++;
        var counts = new EvaluationCounts { MlmSlots = real, NspExamples = B };

        var losses = new float[Math.Max(real, B)];
        _d.Download(_a.MlmLosses.Slice(0, real), losses.AsSpan(0, real));
        for (int r = 0; r < real; r++) counts.MlmLossSum += losses[r];
        const int Chunk = 64; // rows of logits copied to the host at a time
        if (_logitRows.Length < Chunk * V) _logitRows = new float[Chunk * V];
        for (int start = 0; start < real; start += Chunk)
        {
            int rows = Math.Min(Chunk, real - start);
            _d.Download(_a.Logits.Slice((long)start * V, (long)rows * V), _logitRows.AsSpan(0, rows * V));
            for (int r = 0; r < rows; r++)
                if (ArgMax(_logitRows.AsSpan(r * V, V)) == _mlmLabels[start + r]) counts.MlmCorrect++;
        }

        _d.Download(_a.NspLosses.Slice(0, B), losses.AsSpan(0, B));
        var logits = new float[2 * B];
        var labels = new int[B];
        _d.Download(_a.NspLogits.Slice(0, 2L * B), logits);
        _d.Download(_a.NspLabels.Slice(0, B), labels);
        for (int b = 0; b < B; b++)
        {
            counts.NspLossSum += losses[b];
            if ((logits[2 * b + 1] > logits[2 * b] ? 1 : 0) == labels[b]) counts.NspCorrect++;
        }
        return counts;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}

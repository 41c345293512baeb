namespace BertNative.Model.Inference;

public enum Pooling { Mean, Cls }

/// <summary>A sentence embedding from the encoder's rows: the mean over the input's tokens (its attention mask, special
/// tokens included, as sentence-transformers does) or the first ([CLS]) row; optionally scaled to unit length.</summary>
public static class SentencePooling
{
    public static float[] Pool(ReadOnlySpan<float> rows, int hidden, Pooling pooling, bool normalize)
    {
        int length = rows.Length / hidden;
        var embedding = new float[hidden];
        if (pooling == Pooling.Cls) rows[..hidden].CopyTo(embedding);
        else
        {
            var sum = new double[hidden];
            for (int t = 0; t < length; t++)
                for (int c = 0; c < hidden; c++) sum[c] += rows[t * hidden + c];
            for (int c = 0; c < hidden; c++) embedding[c] = (float)(sum[c] / length);
        }
        if (normalize)
        {
            double norm = Math.Sqrt(embedding.Sum(v => (double)v * v));
            // sentence-transformers divides by max(norm, 1e-12), so a zero vector stays zero.
            float scale = (float)(1.0 / Math.Max(norm, 1e-12));
            for (int c = 0; c < hidden; c++) embedding[c] *= scale;
        }
        return embedding;
    }
}

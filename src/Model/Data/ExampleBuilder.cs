namespace BertNative.Model.Data;

/// <summary>Turns a <see cref="Corpus"/> into <see cref="PretrainingExamples"/> exactly as docs/model-spec.md §1 describes.</summary>
public static class ExampleBuilder
{
    public const int MinMaxLen = 8;

    public static PretrainingExamples Build(Corpus corpus, int maxLen, ulong seed)
    {
        if (maxLen < MinMaxLen)
            throw new BertNative.Contract.BertNativeException($"--max-len {maxLen} is too short: it must be at least {MinMaxLen} to hold <cls> a <sep> b <sep>");
        var rng = new SeededRandom(seed);
        int P = PretrainingExamples.PredictionSlotsFor(maxLen);
        int vocabSize = corpus.Vocabulary.Count;
        var special = corpus.Vocabulary.Special;
        var wordStarts = corpus.WordStarts;
        var startRow = new bool[maxLen];

        int[] paragraphOrder = Enumerable.Range(0, corpus.ParagraphCount).ToArray();
        rng.Shuffle<int>(paragraphOrder);

        int capacity = corpus.SentenceCount - corpus.ParagraphCount; // adjacent pairs
        var tokens = new int[(long)capacity * maxLen];
        var segments = new int[(long)capacity * maxLen];
        var validLens = new int[capacity];
        var positions = new int[(long)capacity * P];
        var weights = new float[(long)capacity * P];
        var labels = new int[(long)capacity * P];
        var nsp = new int[capacity];
        Array.Fill(tokens, special.Pad);

        var candidates = new int[maxLen];
        var chosen = new (int Position, int Label)[P];
        int count = 0;
        foreach (int p in paragraphOrder)
        {
            for (int s = corpus.ParagraphStarts[p]; s < corpus.ParagraphStarts[p + 1] - 1; s++)
            {
                int next = s + 1, isNext = 1;
                if (rng.NextDouble() >= 0.5)
                {
                    next = RandomSentence(corpus, rng);
                    isNext = 0;
                }
                ReadOnlySpan<int> a = corpus.Sentence(s), b = corpus.Sentence(next);
                int length = a.Length + b.Length + 3;
                if (length > maxLen) continue;

                Span<int> row = tokens.AsSpan(count * maxLen, maxLen);
                Span<int> segmentRow = segments.AsSpan(count * maxLen, maxLen);
                row[0] = special.Cls;
                a.CopyTo(row[1..]);
                row[1 + a.Length] = special.Sep;
                b.CopyTo(row[(2 + a.Length)..]);
                row[2 + a.Length + b.Length] = special.Sep;
                segmentRow.Slice(2 + a.Length, b.Length + 1).Fill(1);
                validLens[count] = length;
                nsp[count] = isNext;

                int predictions;
                if (wordStarts == null) predictions = MaskTokens(row[..length], candidates, chosen, rng, vocabSize, special);
                else
                {
                    // Which positions begin a word: [CLS], [SEP] and the first piece of each word.
                    Array.Fill(startRow, true);
                    wordStarts.AsSpan(corpus.SentenceStarts[s], a.Length).CopyTo(startRow.AsSpan(1));
                    wordStarts.AsSpan(corpus.SentenceStarts[next], b.Length).CopyTo(startRow.AsSpan(2 + a.Length));
                    predictions = MaskWholeWords(row[..length], startRow, candidates, chosen, rng, vocabSize, special);
                }
                for (int k = 0; k < predictions; k++)
                {
                    positions[count * P + k] = chosen[k].Position;
                    labels[count * P + k] = chosen[k].Label;
                    weights[count * P + k] = 1f;
                }
                count++;
            }
        }

        return new PretrainingExamples
        {
            Vocabulary = corpus.Vocabulary, Seed = seed, Count = count, MaxLen = maxLen, PredictionSlots = P,
            TokenIds = tokens[..(count * maxLen)], Segments = segments[..(count * maxLen)], ValidLens = validLens[..count],
            PredPositions = positions[..(count * P)], MlmWeights = weights[..(count * P)], MlmLabels = labels[..(count * P)],
            NspLabels = nsp[..count],
        };
    }

    /// <summary>A uniformly random sentence of a uniformly random paragraph (not a uniformly random sentence).</summary>
    private static int RandomSentence(Corpus corpus, SeededRandom rng)
    {
        int q = rng.NextInt(corpus.ParagraphCount);
        int first = corpus.ParagraphStarts[q];
        return first + rng.NextInt(corpus.ParagraphStarts[q + 1] - first);
    }

    /// <summary>
    /// Static MLM masking of one example in place: picks max(1, round(0.15 len)) random non-special
    /// positions; each becomes &lt;mask&gt; (80%), stays (10%) or becomes a random vocabulary entry (10%).
    /// Writes the chosen (position, original id) pairs sorted by position and returns how many.
    /// </summary>
    private static int MaskTokens(Span<int> row, int[] candidates, (int Position, int Label)[] chosen, SeededRandom rng, int vocabSize, SpecialIds special)
    {
        int candidateCount = 0;
        for (int i = 0; i < row.Length; i++)
            if (row[i] != special.Cls && row[i] != special.Sep) candidates[candidateCount++] = i;
        int predictions = Math.Min(Math.Max(1, (int)Math.Round(0.15 * row.Length, MidpointRounding.ToEven)), candidateCount);
        predictions = Math.Min(predictions, chosen.Length);

        for (int k = 0; k < predictions; k++)
        {
            // Partial Fisher–Yates: candidates[k] becomes a uniform pick among those not yet taken.
            int j = k + rng.NextInt(candidateCount - k);
            (candidates[k], candidates[j]) = (candidates[j], candidates[k]);
            int position = candidates[k];
            chosen[k] = (position, row[position]);
            if (rng.NextDouble() < 0.8) row[position] = special.Mask;
            else if (rng.NextDouble() >= 0.5) row[position] = rng.NextInt(vocabSize);
        }
        Array.Sort(chosen, 0, predictions, ByPosition);
        return predictions;
    }

    /// <summary>
    /// Whole-word masking for WordPiece corpora: the same budget of max(1, round(0.15 len)) predictions, filled by whole
    /// words taken in random order (a word that would overflow the budget is skipped, unless nothing is taken yet); each of a chosen word's pieces becomes
    /// [MASK] (80%), stays (10%) or a random entry (10%), as BERT's whole-word masking does.
    /// </summary>
    private static int MaskWholeWords(Span<int> row, bool[] wordStart, int[] candidates, (int Position, int Label)[] chosen, SeededRandom rng, int vocabSize, SpecialIds special)
    {
        int words = 0, realTokens = 0;
        for (int i = 0; i < row.Length; i++)
            if (row[i] != special.Cls && row[i] != special.Sep)
            {
                realTokens++;
                if (wordStart[i]) candidates[words++] = i;
            }
        int budget = Math.Min(Math.Min(Math.Max(1, (int)Math.Round(0.15 * row.Length, MidpointRounding.ToEven)), realTokens), chosen.Length);
        rng.Shuffle(candidates.AsSpan(0, words));
        int predictions = 0;
        for (int w = 0; w < words && predictions < budget; w++)
        {
            int first = candidates[w], end = first + 1;
            while (end < row.Length && !wordStart[end]) end++;
            if (predictions + (end - first) > budget)
            {
                if (predictions > 0) continue;
                end = first + budget; // never an example without a prediction: the first word's leading pieces
            }
            for (int position = first; position < end; position++)
            {
                chosen[predictions++] = (position, row[position]);
                if (rng.NextDouble() < 0.8) row[position] = special.Mask;
                else if (rng.NextDouble() >= 0.5) row[position] = rng.NextInt(vocabSize);
            }
        }
        Array.Sort(chosen, 0, predictions, ByPosition);
        return predictions;
    }

    private static readonly Comparer<(int Position, int Label)> ByPosition = Comparer<(int Position, int Label)>.Create((x, y) => x.Position.CompareTo(y.Position));
}

using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Hf;

/// <summary>What an import did besides copying: the parts of the model it initialised afresh.</summary>
public sealed record HfImportReport(IReadOnlyList<HfPart> FreshParts);

/// <summary>Moves a BERT's weights between Hugging Face names and our parameter buffer.</summary>
public static class HfWeights
{
    /// <summary>Our parameters from Hugging Face tensors. Every tensor of the encoder must be there; a head that is
    /// missing entirely (an encoder-only export) is initialised afresh from <paramref name="seed"/> and reported.
    /// A tensor missing from a part that is there, one of the wrong shape, or one left over is a one-line error naming it.</summary>
    public static (float[] Parameters, HfImportReport Report) Import(BertConfig config, HfTensors tensors, string source, ulong seed = 1)
    {
        var layout = ParameterLayout.Of(config);
        var parameters = Initialization.Initialize(layout, new SeededRandom(seed));
        var names = HfNames.For(config).ToList();
        var present = names.Where(n => tensors.Contains(n.Hf)).Select(n => n.Part).ToHashSet();
        if (!present.Contains(HfPart.Encoder)) throw new BertNativeException($"{source}: no BERT encoder tensors (embeddings.word_embeddings.weight, encoder.layer.N...)");
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names.Where(n => present.Contains(n.Part)))
        {
            var slot = layout[name.Ours];
            if (!tensors.TryGet(name.Hf, out var t)) throw new BertNativeException($"{source}: tensor {name.Hf} is missing (it would fill our {name.Ours})");
            if (t.Count != slot.Count || t.Shape.Where(d => d != 1).Count() != slot.Shape.Count(d => d != 1))
                throw new BertNativeException($"{source}: tensor {tensors.SourceName(name.Hf)} has shape {t.ShapeText}, but our {name.Ours} is [{string.Join(", ", slot.Shape)}]");
            var target = parameters.AsSpan((int)slot.Offset, (int)slot.Count);
            t.Values.CopyTo(target);
            if (name.SwapRows) SwapRows(target, slot.Shape[0]);
            used.Add(name.Hf);
        }
        Consume(tensors, config, parameters, layout, used, source);
        var unused = tensors.Names.Where(n => !used.Contains(n)).ToList();
        if (unused.Count > 0) throw new BertNativeException($"{source}: tensor {tensors.SourceName(unused[0])} is not part of a BERT we know" + (unused.Count > 1 ? $" (and {unused.Count - 1} more)" : ""));
        var fresh = new[] { HfPart.Pooler, HfPart.MaskedLm, HfPart.NextSentence }.Where(p => !present.Contains(p)).ToList();
        return (parameters, new HfImportReport(fresh));
    }

    /// <summary>Tensors that repeat others: the tied decoder's weight (must equal the word embeddings) and the decoder's bias copy.</summary>
    private static void Consume(HfTensors tensors, BertConfig config, float[] parameters, ParameterLayout layout, HashSet<string> used, string source)
    {
        if (config.TieDecoder && tensors.TryGet(HfNames.DecoderWeight, out var decoder))
        {
            var words = layout[TensorNames.TokenEmbedding];
            if (!decoder.Values.AsSpan().SequenceEqual(parameters.AsSpan((int)words.Offset, (int)words.Count)))
                throw new BertNativeException($"{source}: {HfNames.DecoderWeight} differs from the word embeddings, so the decoder is not tied; import it untied");
            used.Add(HfNames.DecoderWeight);
        }
        if (tensors.TryGet(HfNames.DecoderBias, out var bias))
        {
            var ours = layout[TensorNames.Bias(TensorNames.MlmDecoder)];
            if (!bias.Values.AsSpan().SequenceEqual(parameters.AsSpan((int)ours.Offset, (int)ours.Count)))
                throw new BertNativeException($"{source}: {HfNames.DecoderBias} differs from cls.predictions.bias");
            used.Add(HfNames.DecoderBias);
        }
    }

    /// <summary>Our parameters as Hugging Face tensors (full names, with "bert." where BertForPreTraining has it). A tied
    /// decoder is written as its own tensor too, equal to the word embeddings, as BertForPreTraining's state dict has it.</summary>
    public static List<(string Name, int[] Shape, float[] Values)> Export(BertConfig config, ReadOnlySpan<float> parameters)
    {
        var layout = ParameterLayout.Of(config);
        var result = new List<(string, int[], float[])>();
        foreach (var name in HfNames.For(config))
        {
            var slot = layout[name.Ours];
            float[] values = parameters.Slice((int)slot.Offset, (int)slot.Count).ToArray();
            if (name.SwapRows) SwapRows(values, slot.Shape[0]);
            int[] shape = name.Ours == TensorNames.PositionEmbedding ? slot.Shape[1..] : slot.Shape;
            result.Add((FullName(name.Hf), shape, values));
        }
        if (config.TieDecoder)
        {
            var words = layout[TensorNames.TokenEmbedding];
            result.Add((HfNames.DecoderWeight, words.Shape, parameters.Slice((int)words.Offset, (int)words.Count).ToArray()));
        }
        return result;
    }

    /// <summary>BertForPreTraining's name: the encoder's and pooler's under "bert.", the heads' under "cls.".</summary>
    public static string FullName(string hf) => hf.StartsWith("cls.", StringComparison.Ordinal) ? hf : "bert." + hf;

    private static void SwapRows(Span<float> values, int rows)
    {
        if (rows != 2) throw new ArgumentException("only a two-row tensor swaps");
        int n = values.Length / 2;
        for (int i = 0; i < n; i++) (values[i], values[n + i]) = (values[n + i], values[i]);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertNative.Model;

/// <summary>How BertNative writes JSON, everywhere (config.json, training_state.json, summary.json, the --json lines):
/// snake_case names and enum values, null fields left out.</summary>
public static class JsonFormat
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The same, one field a line: files a person opens.</summary>
    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    /// <summary>One line of JSON.</summary>
    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Compact);
}

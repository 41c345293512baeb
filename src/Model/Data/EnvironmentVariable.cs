namespace BertNative.Model.Data;

internal static class EnvironmentVariable
{
    /// <summary>The variable's value, where an empty value counts as unset.</summary>
    public static string? NonEmpty(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

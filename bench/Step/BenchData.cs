using BertNative.Model.Data;

namespace BertNative.Bench.Step;

/// <summary>Finds WikiText-2 for the step benchmark as the tests do (<see cref="WikiTextSource.ResolveForCheckout"/>),
/// starting from the working directory and the bench's own folder.</summary>
public static class BenchData
{
    public static string Folder() => WikiTextSource.ResolveForCheckout([Directory.GetCurrentDirectory(), AppContext.BaseDirectory], Console.Error);
}

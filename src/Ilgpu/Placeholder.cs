namespace BertNative.Ilgpu; internal static class Placeholder { }

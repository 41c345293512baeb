using BertNative.Model;

namespace BertNative.Tests;

/// <summary>What the tests read of a model beyond what training needs.</summary>
public static class ModelGradients
{
    /// <summary>The whole gradient buffer on the host.</summary>
    public static float[] DownloadGradients(this BertModel model)
    {
        var values = new float[model.Layout.TotalCount];
        model.Backend.Download(model.Gradients.All, values);
        return values;
    }
}

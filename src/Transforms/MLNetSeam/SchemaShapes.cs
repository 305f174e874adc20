using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.Extensions.Transforms.MLNetSeam;

/// <summary>The pieces of ML.NET's schema-shape and logging API that it keeps internal, for estimators' GetOutputSchema and Fit.</summary>
internal static class SchemaShapes
{
    /// <summary>A column shape (ML.NET's constructor is internal).</summary>
    public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey = false,
        SchemaShape? annotations = null) => new(name, kind, itemType, isKey, annotations);

    /// <summary>The column named <paramref name="name"/>, if the shape has it.</summary>
    public static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column) => shape.TryFindColumn(name, out column);

    /// <summary>Writes <paramref name="message"/> to the ML.NET log at information level.</summary>
    public static void Info(IChannel channel, string message) => channel.Info(message);
}

// Usage: MLNet.Extensions.LoadProbe <model.zip> <data.idv> <column>
// Loads the model in a fresh process with a new MLContext (no registration of our assemblies), scores the binary data
// file, and prints the column's values as hexadecimal bit patterns, one row per line, so callers can compare bit for bit.
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: MLNet.Extensions.LoadProbe <model.zip> <data.idv> <column>");
    return 2;
}
var mlContext = new MLContext();
ITransformer model = mlContext.Model.Load(args[0], out _);
IDataView data = mlContext.Data.LoadFromBinary(args[1]);
IDataView scored = model.Transform(data);
DataViewSchema.Column column = scored.Schema[args[2]];
foreach (string line in BitPatterns.Of(scored, column))
    Console.WriteLine(line);
return 0;

/// <summary>Formats float columns as exact bit patterns.</summary>
internal static class BitPatterns
{
    /// <summary>One line per row: the column's floats as 8-digit hexadecimal words.</summary>
    public static IEnumerable<string> Of(IDataView data, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
            return data.GetColumn<float[]>(column).Select(row => string.Join(" ", row.Select(Hex)));
        return data.GetColumn<float>(column).Select(Hex);
    }

    private static string Hex(float value) => BitConverter.SingleToInt32Bits(value).ToString("X8");
}

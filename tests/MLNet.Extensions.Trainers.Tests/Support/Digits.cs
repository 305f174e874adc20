using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Samples;

namespace MLNet.Extensions.Trainers.Tests.Support;

/// <summary>A digit row as tests feed it to ML.NET.</summary>
public sealed class DigitRow
{
    public float[] Pixels { get; set; } = [];
    public uint Digit { get; set; }
    public bool IsZero { get; set; }
    public float Ink { get; set; }
}

/// <summary>Small, fixed slices of the bundled MNIST digits, loaded once per test run.</summary>
public static class Digits
{
    private static readonly Lazy<MnistDigit[]> s_all = new(() => MnistDigits.Load(MnistDigits.FindDataFolder()));

    /// <summary>All 10,000 digits.</summary>
    public static MnistDigit[] All => s_all.Value;

    /// <summary>Rows [start, start + count) as test rows; Ink is the mean intensity (a regression target).</summary>
    public static DigitRow[] Rows(int start, int count) => All.Skip(start).Take(count)
        .Select(d => new DigitRow { Pixels = d.Pixels, Digit = d.Digit, IsZero = d.Digit == 0, Ink = d.Pixels.Average() })
        .ToArray();

    /// <summary>A schema that marks Pixels as a 1x28x28 image, as ExtractPixels would.</summary>
    public static SchemaDefinition ImageSchema()
    {
        var schema = SchemaDefinition.Create(typeof(DigitRow));
        schema[nameof(DigitRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        return schema;
    }

    /// <summary>A schema that marks Pixels as 28 steps of 28 features, for LSTMs reading rows.</summary>
    public static SchemaDefinition SequenceSchema()
    {
        var schema = SchemaDefinition.Create(typeof(DigitRow));
        schema[nameof(DigitRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 28, 28);
        return schema;
    }

    /// <summary>Rows as an image-shaped data view.</summary>
    public static IDataView ImageView(MLContext mlContext, int start, int count) =>
        mlContext.Data.LoadFromEnumerable(Rows(start, count), ImageSchema());
}

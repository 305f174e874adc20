using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Experiments.Tests.Support;

/// <summary>A digit row: 1x28x28 pixels and the digit.</summary>
public sealed class DigitRow
{
    public float[] Pixels { get; set; } = [];
    public uint Digit { get; set; }
}

/// <summary>Small slices of the bundled MNIST digits and a tiny CNN that trains in a fraction of a second per epoch.</summary>
public static class Digits
{
    private static readonly Lazy<MnistDigit[]> s_all = new(() => MnistDigits.Load(MnistDigits.FindDataFolder()));

    public static IDataView View(MLContext mlContext, int start, int count)
    {
        var schema = SchemaDefinition.Create(typeof(DigitRow));
        schema[nameof(DigitRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        var rows = s_all.Value.Skip(start).Take(count).Select(d => new DigitRow { Pixels = d.Pixels, Digit = d.Digit }).ToArray();
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Label to key: the shared featurizer of the digit experiments.</summary>
    public static IEstimator<ITransformer> Featurizer(MLContext mlContext) =>
        mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit));

    /// <summary>One 4-filter convolution block: about 8k parameters.</summary>
    public static CnnOptions TinyCnn(int epochs, int seed = 1) => new()
    {
        FeatureColumnName = nameof(DigitRow.Pixels),
        Layers = new LayerStack(new Conv2dSpec(4, 3, Padding: 1), new ActivationSpec(MLNet.Extensions.Kernels.Activations.ActivationKind.Relu),
            new PoolingSpec(PoolingKind.Max, 2, 2), new FlattenSpec()),
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 3e-3f,
        Seed = seed,
        ThreadCount = 1,
    };
}

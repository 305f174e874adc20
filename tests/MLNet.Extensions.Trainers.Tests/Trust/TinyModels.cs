using Microsoft.ML;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>An 8x8 one-channel image with one of three classes.</summary>
public sealed class TinyImage
{
    [VectorType(64)]
    public float[] Pixels { get; set; } = [];

    [KeyType(3)]
    public uint Label { get; set; }
}

/// <summary>A sequence of 6 steps of 2 features with a Boolean label.</summary>
public sealed class TinySequence
{
    [VectorType(12)]
    public float[] Steps { get; set; } = [];

    public bool Label { get; set; }
}

/// <summary>One value of a series.</summary>
public sealed class TinyPoint
{
    public float Value { get; set; }
}

/// <summary>One value of a series with a covariate observed at the same step.</summary>
public sealed class TinyCovariatePoint
{
    public float Value { get; set; }

    public float Driver { get; set; }
}

/// <summary>
/// Models that train in well under a second each (a CNN with a standardization step, a GRU classifier, an LSTM
/// forecaster without and with a covariate), saved the way users save them, with the rows they are scored on: material for the damage tests.
/// </summary>
public sealed class TinyModels
{
    /// <summary>One saved model: its file bytes and how to score a loaded copy.</summary>
    public sealed record Saved(string Name, byte[] File, Func<ITransformer, string[]> Score);

    public TinyModels()
    {
        var ml = new MLContext(seed: 1);
        Cnn = Save("cnn", ml, CnnPipeline(ml), ImageData(ml, 60, 1), ImageData(ml, 6, 2), "Score");
        Gru = Save("gru", ml, GruPipeline(ml), SequenceData(ml, 60, 3), SequenceData(ml, 6, 4), "Score");
        IDataView series = SeriesData(ml, 60);
        Forecaster = Save("forecaster", ml, ml.Forecasting.ForecastByLstm(ForecastOptions()), series, series, "Forecast");
        IDataView covariateSeries = CovariateSeriesData(ml, 60);
        CovariateForecaster = Save("forecaster-covariates", ml,
            ml.Forecasting.ForecastByLstm(ForecastOptions() with { CovariateColumnNames = [nameof(TinyCovariatePoint.Driver)] }),
            covariateSeries, covariateSeries, "Forecast");
    }

    /// <summary>CNN multiclass pipeline (StandardizeSequence + our trainer).</summary>
    public Saved Cnn { get; }

    /// <summary>GRU binary classifier.</summary>
    public Saved Gru { get; }

    /// <summary>LSTM forecaster with bounds.</summary>
    public Saved Forecaster { get; }

    /// <summary>LSTM forecaster with bounds and one covariate.</summary>
    public Saved CovariateForecaster { get; }

    /// <summary>All four.</summary>
    public IEnumerable<Saved> All => [Cnn, Gru, Forecaster, CovariateForecaster];

    /// <summary>Options of the forecaster: window 6, 4 hidden units, 2 epochs.</summary>
    public static LstmForecastingOptions ForecastOptions() => new()
    {
        WindowSize = 6,
        Horizon = 2,
        HiddenSize = 4,
        Epochs = 2,
        Seed = 1,
        LowerBoundColumnName = "Lower",
        UpperBoundColumnName = "Upper",
    };

    /// <summary>CNN options: conv 4 -> relu -> maxpool -> flatten -> dense 8, 2 epochs.</summary>
    public static CnnOptions CnnOptions() => new()
    {
        FeatureColumnName = nameof(TinyImage.Pixels),
        ImageChannels = 1,
        ImageHeight = 8,
        ImageWidth = 8,
        Layers = new LayerStack(new Conv2dSpec(4, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
            new FlattenSpec(), new DenseSpec(8)),
        Epochs = 2,
        BatchSize = 16,
        Seed = 3,
    };

    /// <summary>GRU options: 6 steps of 2 features, 4 hidden units, 2 epochs.</summary>
    public static LstmOptions GruOptions() => new()
    {
        FeatureColumnName = nameof(TinySequence.Steps),
        FeaturesPerStep = 2,
        HiddenSize = 4,
        Cell = RecurrentKind.Gru,
        Epochs = 2,
        BatchSize = 16,
        Seed = 5,
    };

    /// <summary>The CNN pipeline.</summary>
    public static IEstimator<ITransformer> CnnPipeline(MLContext ml) =>
        ml.Transforms.StandardizeSequence(nameof(TinyImage.Pixels), featuresPerStep: 1)
            .Append(ml.MulticlassClassification.Trainers.Cnn(CnnOptions()));

    /// <summary>The GRU classifier.</summary>
    public static IEstimator<ITransformer> GruPipeline(MLContext ml) => ml.BinaryClassification.Trainers.Lstm(GruOptions());

    /// <summary>Images whose class decides which third of the picture is bright.</summary>
    public static IDataView ImageData(MLContext ml, int count, ulong seed) => ml.Data.LoadFromEnumerable(Images(count, seed));

    /// <summary>The rows of <see cref="ImageData"/>.</summary>
    public static TinyImage[] Images(int count, ulong seed)
    {
        var random = new KernelRandom(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            uint label = (uint)(i % 3);
            var pixels = new float[64];
            for (int p = 0; p < 64; p++)
                pixels[p] = random.NextSingle() + (p / 8 * 3 / 8 == label ? 1f : 0f);
            return new TinyImage { Pixels = pixels, Label = label };
        }).ToArray();
    }

    /// <summary>Sequences whose label is whether their first feature rises.</summary>
    public static IDataView SequenceData(MLContext ml, int count, ulong seed) => ml.Data.LoadFromEnumerable(Sequences(count, seed));

    /// <summary>The rows of <see cref="SequenceData"/>.</summary>
    public static TinySequence[] Sequences(int count, ulong seed)
    {
        var random = new KernelRandom(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            bool up = i % 2 == 0;
            var steps = new float[12];
            for (int t = 0; t < 6; t++)
            {
                steps[2 * t] = (up ? t : -t) * 0.3f + random.NextSingle() * 0.2f;
                steps[2 * t + 1] = random.NextSingle();
            }
            return new TinySequence { Steps = steps, Label = up };
        }).ToArray();
    }

    /// <summary>A seasonal series of <paramref name="count"/> values.</summary>
    public static IDataView SeriesData(MLContext ml, int count) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(t => new TinyPoint { Value = 10 + MathF.Sin(t * 0.7f) + 0.02f * t }));

    /// <summary>A series of <paramref name="count"/> values, each step's value following the previous step's covariate.</summary>
    public static IDataView CovariateSeriesData(MLContext ml, int count) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(t => new TinyCovariatePoint
        {
            Value = 10 + MathF.Sin((t - 1) * 1.3f), Driver = MathF.Sin(t * 1.3f),
        }));

    /// <summary>The model's bytes as <see cref="MLContext.Model"/> saves them.</summary>
    public static byte[] Bytes(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, schema, stream);
        return stream.ToArray();
    }

    /// <summary>Every value of <paramref name="column"/> in <paramref name="scored"/>, as round-trip text.</summary>
    public static string[] Column(IDataView scored, string column)
    {
        DataViewType type = scored.Schema[column].Type;
        return type is VectorDataViewType
            ? scored.GetColumn<float[]>(column).Select(v => string.Join(" ", v.Select(x => x.ToString("R")))).ToArray()
            : scored.GetColumn<float>(column).Select(x => x.ToString("R")).ToArray();
    }

    private static Saved Save(string name, MLContext ml, IEstimator<ITransformer> pipeline, IDataView train, IDataView test, string column)
    {
        ITransformer model = pipeline.Fit(train);
        return new Saved(name, Bytes(ml, model, train.Schema), loaded => Column(loaded.Transform(test), column));
    }
}

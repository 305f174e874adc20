// Usage: MLNet.Extensions.GoldenMaker <output folder>
// Trains tiny models with today's code, saves them with mlContext.Model.Save, and writes the rows they score and
// their outputs as float bit patterns, so that tests can check that later code still loads and scores them.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Featurization;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Transforms.Sequences;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: MLNet.Extensions.GoldenMaker <output folder>");
    return 2;
}
string folder = Directory.CreateDirectory(args[0]).FullName;
Golden.LstmClassifier(folder);
Golden.LstmRegression(folder);
Golden.Forecaster(folder);
Golden.Featurizer(folder);
Golden.SlidingWindow(folder);
return 0;

/// <summary>A row of features with a key label of three classes (0-2: LoadFromEnumerable shifts them to keys 1-3).</summary>
internal sealed class ClassRow
{
    public float[] Features { get; set; } = [];

    [KeyType(3)]
    public uint Label { get; set; }
}

/// <summary>A row of fixed-length features with a real label.</summary>
internal sealed class RegressionRow
{
    [VectorType(Golden.RegressionSteps)]
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}

/// <summary>A flat 1x8x8 image with a key label of three classes.</summary>
internal sealed class ImageRow
{
    [VectorType(Golden.ImageSide * Golden.ImageSide)]
    public float[] Features { get; set; } = [];

    [KeyType(3)]
    public uint Label { get; set; }
}

/// <summary>One value of a series.</summary>
internal sealed class SeriesPoint
{
    public float Value { get; set; }
}

/// <summary>One step of a series of two features.</summary>
internal sealed class VectorPoint
{
    [VectorType(2)]
    public float[] Value { get; set; } = [];
}

/// <summary>The golden models: each trains in a second or two on small synthetic data.</summary>
internal static class Golden
{
    public const int RegressionSteps = 8;
    public const int ImageSide = 8;

    /// <summary>Stacked bidirectional LSTM, dropout, dense head, 2 trailing features, variable length (every part of the LSTM format).</summary>
    public static void LstmClassifier(string folder)
    {
        var random = new Random(11);
        ClassRow[] Rows(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            // 3-6 steps of 2 features, then 2 per-sequence features; the class is where the pulse is.
            int steps = 3 + random.Next(4), label = random.Next(3);
            var values = new float[steps * 2 + 2];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(random.NextDouble() - 0.5) * 0.4f;
            values[(label == 0 ? 0 : label == 1 ? steps / 2 : steps - 1) * 2] = 1f;
            values[^2] = label == 2 ? 1f : -1f;
            return new ClassRow { Features = values, Label = (uint)label };
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Rows(200));
        ClassRow[] test = Rows(20);
        var pipeline = mlContext.Transforms.StandardizeSequence("Features", featuresPerStep: 2)
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(new LstmOptions
            {
                FeaturesPerStep = 2, TrailingFeatures = 2, VariableLength = true, HiddenSize = 8, LayerCount = 2,
                Bidirectional = true, Dropout = 0.1f, DenseUnits = 8, Epochs = 3, BatchSize = 16, LearningRate = 5e-3f, Seed = 3,
            }));
        ITransformer model = pipeline.Fit(train);
        Save(folder, "lstm-classifier-v1", mlContext, model, train.Schema, test.Select(r => r.Features),
            Lines(model.Transform(mlContext.Data.LoadFromEnumerable(test)), "Score"));
    }

    /// <summary>A one-layer fixed-length LSTM regressor.</summary>
    public static void LstmRegression(string folder)
    {
        var random = new Random(12);
        RegressionRow[] Rows(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            var values = Enumerable.Range(0, RegressionSteps).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new RegressionRow { Features = values, Label = values.Average() * 3 };
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Rows(200));
        RegressionRow[] test = Rows(20);
        var pipeline = mlContext.Transforms.StandardizeSequence("Features")
            .Append(mlContext.Regression.Trainers.Lstm(new LstmOptions
            {
                FeaturesPerStep = 1, HiddenSize = 8, Epochs = 3, BatchSize = 16, LearningRate = 5e-3f, Seed = 4,
            }));
        ITransformer model = pipeline.Fit(train);
        Save(folder, "lstm-regression-v1", mlContext, model, train.Schema, test.Select(r => r.Features),
            Lines(model.Transform(mlContext.Data.LoadFromEnumerable(test)), "Score"));
    }

    /// <summary>
    /// The forecaster with differencing, bounds and many-to-many training. Scored on the whole stored series; the engine
    /// is primed with all but the last two stored values, updated with those two, then asked for a forecast.
    /// </summary>
    public static void Forecaster(string folder)
    {
        var random = new Random(13);
        float[] series = Enumerable.Range(0, 100)
            .Select(t => 50f + 0.2f * t + 2f * MathF.Sin(2 * MathF.PI * t / 6) + 0.1f * (float)(random.NextDouble() - 0.5))
            .ToArray();
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(series[..80].Select(v => new SeriesPoint { Value = v }));
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(new LstmForecastingOptions
        {
            InputColumnName = nameof(SeriesPoint.Value), OutputColumnName = "Forecast", LowerBoundColumnName = "Lower",
            UpperBoundColumnName = "Upper", WindowSize = 6, Horizon = 2, DifferencingOrder = 1, HiddenSize = 8,
            TrainOnEveryStep = true, ConfidenceLevel = 0.9f, Epochs = 5, BatchSize = 16, Seed = 5,
        }).Fit(train);
        IDataView scored = model.Transform(mlContext.Data.LoadFromEnumerable(series.Select(v => new SeriesPoint { Value = v })));
        string[] forecast = Lines(scored, "Forecast"), lower = Lines(scored, "Lower"), upper = Lines(scored, "Upper");
        Save(folder, "forecaster-v1", mlContext, model, train.Schema, series.Select(v => new[] { v }),
            forecast.Select((f, row) => $"{f} {lower[row]} {upper[row]}"));

        LstmForecastEngine engine = model.CreateForecastEngine(series[..^2]);
        engine.Update(series[^2]);
        engine.Update(series[^1]);
        ForecastResult next = engine.Predict();
        File.WriteAllLines(Path.Combine(folder, "forecaster-v1.engine.txt"),
            [string.Join(" ", next.Forecast.Concat(next.LowerBound).Concat(next.UpperBound).Select(Hex))]);
    }

    /// <summary>A small CNN's penultimate layer as a column, followed by an ML.NET trainer reading it.</summary>
    public static void Featurizer(string folder)
    {
        var random = new Random(14);
        ImageRow[] Rows(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            // A bright 3x3 block at the top left, the centre or the bottom right, on noise.
            int label = random.Next(3), corner = label switch { 0 => 0, 1 => 2, _ => 5 };
            var pixels = new float[ImageSide * ImageSide];
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (float)random.NextDouble() * 0.3f;
            for (int y = corner; y < corner + 3; y++)
                for (int x = corner; x < corner + 3; x++)
                    pixels[y * ImageSide + x] = 1f;
            return new ImageRow { Features = pixels, Label = (uint)label };
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Rows(150));
        ImageRow[] test = Rows(20);
        var cnn = mlContext.MulticlassClassification.Trainers.Cnn(new CnnOptions
        {
            ImageChannels = 1, ImageHeight = ImageSide, ImageWidth = ImageSide,
            Layers = new LayerStack(new Conv2dSpec(4, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu),
                new PoolingSpec(PoolingKind.Max, 2, 2), new FlattenSpec(), new DenseSpec(8), new ActivationSpec(ActivationKind.Relu)),
            Epochs = 3, BatchSize = 16, LearningRate = 5e-3f, Seed = 6,
        }).Fit(train);
        var pipeline = mlContext.Transforms.FeaturizeByNetwork(cnn.Model, "Learned", "Features")
            .Append(mlContext.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Learned"));
        ITransformer model = pipeline.Fit(train);
        Save(folder, "featurizer-v1", mlContext, model, train.Schema, test.Select(r => r.Features),
            Lines(model.Transform(mlContext.Data.LoadFromEnumerable(test)), "Learned"));
    }

    /// <summary>
    /// SlidingWindow on a two-feature series with differencing, stride and a target taken from feature 0. The scores are,
    /// per output row, the window's values then the target.
    /// </summary>
    public static void SlidingWindow(string folder)
    {
        float[][] series = Enumerable.Range(0, 20).Select(t => new[] { 0.01f * t * t, MathF.Sin(t) }).ToArray();
        var mlContext = new MLContext(seed: 1);
        IDataView data = mlContext.Data.LoadFromEnumerable(series.Select(v => new VectorPoint { Value = v }));
        ITransformer model = mlContext.Transforms.SlidingWindow(new SlidingWindowOptions
        {
            InputColumnName = nameof(VectorPoint.Value), OutputColumnName = "Window", TargetColumnName = "Target",
            TargetFeatureIndex = 0, WindowSize = 3, Horizon = 2, Stride = 2, DifferencingOrder = 1,
        }).Fit(data);
        IDataView windows = model.Transform(data);
        string[] window = Lines(windows, "Window"), target = Lines(windows, "Target");
        Save(folder, "sliding-window-v1", mlContext, model, data.Schema, series, window.Select((w, row) => $"{w} {target[row]}"));
    }

    private static void Save(string folder, string name, MLContext mlContext, ITransformer model, DataViewSchema schema,
        IEnumerable<float[]> rows, IEnumerable<string> scores)
    {
        string zip = Path.Combine(folder, name + ".zip");
        mlContext.Model.Save(model, schema, zip);
        File.WriteAllLines(Path.Combine(folder, name + ".rows.txt"), rows.Select(row => string.Join(" ", row.Select(Hex))));
        File.WriteAllLines(Path.Combine(folder, name + ".scores.txt"), scores);
        Console.WriteLine($"{name}: {new FileInfo(zip).Length} bytes");
    }

    private static string[] Lines(IDataView scored, string column) => scored.Schema[column].Type is VectorDataViewType
        ? scored.GetColumn<float[]>(column).Select(row => string.Join(" ", row.Select(Hex))).ToArray()
        : scored.GetColumn<float>(column).Select(Hex).ToArray();

    private static string Hex(float value) => BitConverter.SingleToInt32Bits(value).ToString("X8");
}

using Microsoft.ML;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Transforms.Tests.Sequences;

public class SlidingWindowTests
{
    public sealed class Point
    {
        public float Value { get; set; }
        public int Time { get; set; }
    }

    public sealed class VectorPoint
    {
        [VectorType(2)]
        public float[] Value { get; set; } = [];
    }

    public sealed class CovariatePoint
    {
        public float Value { get; set; }
        public float Temperature { get; set; }
        [VectorType(2)]
        public float[] Calendar { get; set; } = [];
        public int Time { get; set; }
    }

    private static IDataView Covariates(MLContext mlContext, int length) =>
        mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, length).Select(t => new CovariatePoint
        {
            Value = t * t, Temperature = 100 + t, Calendar = [t % 2, -t], Time = t,
        }));

    private static IDataView Series(MLContext mlContext, int length) =>
        mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, length).Select(t => new Point { Value = t * t, Time = t }));

    [Fact]
    public void WindowsEndHorizonStepsBeforeTheirTarget()
    {
        var mlContext = new MLContext();
        IDataView windows = mlContext.Transforms.SlidingWindow("Window", "Value", windowSize: 3, horizon: 2, targetColumnName: "Target")
            .Fit(Series(mlContext, 10)).Transform(Series(mlContext, 10));
        float[][] window = windows.GetColumn<float[]>("Window").ToArray();
        float[] target = windows.GetColumn<float>("Target").ToArray();
        int[] time = windows.GetColumn<int>("Time").ToArray();
        Assert.Equal(6, window.Length); // rows 4..9 have three values ending two rows earlier
        Assert.Equal(new float[] { 0, 1, 4 }, window[0]);
        Assert.Equal(16f, target[0]);
        Assert.Equal(4, time[0]);
        Assert.Equal(new float[] { 25, 36, 49 }, window[^1]);
        Assert.Equal(81f, target[^1]);
    }

    [Fact]
    public void DifferencingAndStrideApply()
    {
        var mlContext = new MLContext();
        var options = new SlidingWindowOptions { InputColumnName = "Value", WindowSize = 2, Horizon = 1, TargetColumnName = "Target", Stride = 2, DifferencingOrder = 1 };
        IDataView windows = mlContext.Transforms.SlidingWindow(options).Fit(Series(mlContext, 9)).Transform(Series(mlContext, 9));
        float[][] window = windows.GetColumn<float[]>("Window").ToArray();
        float[] target = windows.GetColumn<float>("Target").ToArray();
        // First differences of t^2 are 2t - 1: 1, 3, 5, 7, ...; windows start at every other position.
        Assert.Equal(new float[] { 1, 3 }, window[0]);
        Assert.Equal(5f, target[0]);
        Assert.Equal(new float[] { 5, 7 }, window[1]);
        Assert.Equal(3, window.Length);
    }

    [Fact]
    public void VectorSeriesGiveTwoDimensionalWindows()
    {
        var mlContext = new MLContext();
        IDataView data = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(t => new VectorPoint { Value = [t, -t] }));
        IDataView windows = mlContext.Transforms.SlidingWindow("Window", "Value", 2, 1, "Target").Fit(data).Transform(data);
        var type = (VectorDataViewType)windows.Schema["Window"].Type;
        Assert.Equal(new[] { 2, 2 }, type.Dimensions.ToArray());
        Assert.Equal(new float[] { 0, 0, 1, -1 }, windows.GetColumn<float[]>("Window").First());
        Assert.Equal(new float[] { 2, -2 }, windows.GetColumn<float[]>("Target").First());
    }

    [Fact]
    public void TargetFeatureIndexGivesAScalarTargetFromOneFeatureAndKeepsEveryFeatureInTheWindow()
    {
        var mlContext = new MLContext();
        IDataView data = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(t => new VectorPoint { Value = [t * t, -t] }));
        var options = new SlidingWindowOptions { WindowSize = 2, Horizon = 1, TargetColumnName = "Target", TargetFeatureIndex = 0, DifferencingOrder = 1 };
        ITransformer model = mlContext.Transforms.SlidingWindow(options).Fit(data);
        IDataView windows = model.Transform(data);
        Assert.Equal(NumberDataViewType.Single, windows.Schema["Target"].Type);
        // First differences: feature 0 is t^2 -> 2t - 1 (1, 3, 5, ...), feature 1 is -t -> -1.
        Assert.Equal(new float[] { 1, -1, 3, -1 }, windows.GetColumn<float[]>("Window").First());
        Assert.Equal(new float[] { 5, 7, 9 }, windows.GetColumn<float>("Target").ToArray());

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(new float[] { 5, 7, 9 }, loaded.Transform(data).GetColumn<float>("Target").ToArray());

        var outside = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { TargetFeatureIndex = 2 }).Fit(data));
        Assert.Contains("TargetFeatureIndex is 2", outside.Message);
        Assert.Contains("'Value' has 2 value(s) per row; expected 0 to 1", outside.Message);
        var negative = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { TargetFeatureIndex = -1 }));
        Assert.Contains("TargetFeatureIndex", negative.Message);
    }

    [Fact]
    public void WindowColumnsSitSideBySideAndTheTargetComesFromTheInputColumn()
    {
        var mlContext = new MLContext();
        IDataView data = Covariates(mlContext, 7);
        var options = new SlidingWindowOptions
        {
            InputColumnName = "Value", WindowColumnNames = ["Value", "Temperature", "Calendar"], WindowSize = 2, Horizon = 2, TargetColumnName = "Target",
        };
        ITransformer model = mlContext.Transforms.SlidingWindow(options).Fit(data);
        IDataView windows = model.Transform(data);
        var type = (VectorDataViewType)windows.Schema["Window"].Type;
        Assert.Equal(new[] { 2, 4 }, type.Dimensions.ToArray());
        Assert.Equal(NumberDataViewType.Single, windows.Schema["Target"].Type);
        // Row 3 is the first with a full window: steps 0 and 1 of (value, temperature, calendar), target the value at 3.
        Assert.Equal(new float[] { 0, 100, 0, 0, 1, 101, 1, -1 }, windows.GetColumn<float[]>("Window").First());
        Assert.Equal(new float[] { 9, 16, 25, 36 }, windows.GetColumn<float>("Target").ToArray());
        Assert.Equal(new[] { 3, 4, 5, 6 }, windows.GetColumn<int>("Time").ToArray());

        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(options.WindowColumnNames, Assert.IsType<SlidingWindowTransformer>(loaded).Options.WindowColumnNames);
        Assert.Equal(windows.GetColumn<float[]>("Window").ToArray(), loaded.Transform(data).GetColumn<float[]>("Window").ToArray());
        Assert.Equal(windows.GetColumn<float>("Target").ToArray(), loaded.Transform(data).GetColumn<float>("Target").ToArray());
    }

    [Fact]
    public void TheTargetColumnNeedNotBeInTheWindowAndEveryColumnIsDifferenced()
    {
        var mlContext = new MLContext();
        IDataView data = Covariates(mlContext, 6);
        var options = new SlidingWindowOptions
        {
            InputColumnName = "Value", WindowColumnNames = ["Temperature"], WindowSize = 2, TargetColumnName = "Target", DifferencingOrder = 1,
        };
        IDataView windows = mlContext.Transforms.SlidingWindow(options).Fit(data).Transform(data);
        // Temperature rises by 1 each step; the value t^2 by 2t - 1.
        Assert.Equal(new float[] { 1, 1 }, windows.GetColumn<float[]>("Window").First());
        Assert.Equal(new float[] { 5, 7, 9 }, windows.GetColumn<float>("Target").ToArray());
    }

    [Fact]
    public void BadWindowColumnsAreRejectedNamingTheColumn()
    {
        var mlContext = new MLContext();
        IDataView data = Covariates(mlContext, 10);
        var options = new SlidingWindowOptions { InputColumnName = "Value", WindowSize = 2, TargetColumnName = "Target" };
        var missing = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = ["Value", "Humidity"] }).Fit(data));
        Assert.Contains("'Humidity'", missing.Message);
        Assert.Contains("not in the data", missing.Message);
        var wrongType = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = ["Time"] }).Fit(data));
        Assert.Contains("'Time'", wrongType.Message);
        Assert.Contains("must be Single or a known-size vector of Single", wrongType.Message);
        var twice = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = ["Value", "Value"] }));
        Assert.Contains("'Value' more than once", twice.Message);
        var empty = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = [] }));
        Assert.Contains("WindowColumnNames is empty", empty.Message);
        var output = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = ["Value", "Target"] }));
        Assert.Contains("'Target', which is also an output column", output.Message);

        IDataView nan = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(t => new CovariatePoint
        {
            Value = t, Temperature = t == 4 ? float.NaN : t, Calendar = [0, 0],
        }));
        ITransformer model = mlContext.Transforms.SlidingWindow(options with { WindowColumnNames = ["Value", "Temperature"] }).Fit(nan);
        var nonFinite = Assert.Throws<InvalidOperationException>(() => model.Transform(nan).GetColumn<float[]>("Window").ToArray());
        Assert.Contains("'Temperature' has a non-finite value (NaN) at row 4", nonFinite.Message);
    }

    [Fact]
    public void SavesAndLoadsWithThePipeline()
    {
        var mlContext = new MLContext();
        IDataView data = Series(mlContext, 12);
        ITransformer model = mlContext.Transforms.SlidingWindow("Window", "Value", 4, 1, "Target", differencingOrder: 2).Fit(data);
        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        Assert.Equal(model.Transform(data).GetColumn<float[]>("Window").ToArray(), loaded.Transform(data).GetColumn<float[]>("Window").ToArray());
    }

    [Fact]
    public void BadSettingsAndShortSeriesAreRejected()
    {
        var mlContext = new MLContext();
        var e = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow("W", "Value", windowSize: 0));
        Assert.Contains("WindowSize", e.Message);
        var shortSeries = Assert.Throws<ArgumentException>(() => mlContext.Transforms.SlidingWindow("W", "Value", 8, horizon: 5).Fit(Series(mlContext, 10)));
        Assert.Contains("needs at least 13", shortSeries.Message);
        var wrongType = Assert.ThrowsAny<ArgumentException>(() => mlContext.Transforms.SlidingWindow("W", "Time", 2).Fit(Series(mlContext, 10)));
        Assert.Contains("'Time'", wrongType.Message);
    }
}

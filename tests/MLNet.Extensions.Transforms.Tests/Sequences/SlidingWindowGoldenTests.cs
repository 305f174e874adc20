using System.Globalization;
using Microsoft.ML;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Transforms.Tests.Sequences;

/// <summary>
/// SlidingWindow files saved by earlier code (tests/MLNet.Extensions.GoldenMaker, files renamed after the format version
/// they hold) still load in a fresh MLContext and give the same windows and targets, stored as float bit patterns.
/// </summary>
public class SlidingWindowGoldenTests
{
    private static readonly string s_folder = Path.Combine(AppContext.BaseDirectory, "Golden");

    public sealed class VectorPoint
    {
        [VectorType(2)]
        public float[] Value { get; set; } = [];
    }

    [Fact]
    public void TargetFeatureFormatV3StillLoadsAndWindows()
    {
        // Version 0x00010003: two features, window 3, horizon 2, stride 2, first differences, target from feature 0.
        var mlContext = new MLContext();
        ITransformer loaded = mlContext.Model.Load(Path.Combine(s_folder, "sliding-window-v3.zip"), out _);
        var model = Assert.IsType<SlidingWindowTransformer>(loaded);
        Assert.Equal(0, model.Options.TargetFeatureIndex);
        Assert.Null(model.Options.WindowColumnNames);
        IDataView data = mlContext.Data.LoadFromEnumerable(Golden("sliding-window-v3.rows.txt").Select(r => new VectorPoint { Value = r }));
        IDataView windows = model.Transform(data);
        float[][] window = windows.GetColumn<float[]>("Window").ToArray();
        float[] target = windows.GetColumn<float>("Target").ToArray();
        float[][] golden = Golden("sliding-window-v3.scores.txt");
        Assert.Equal(golden.Length, window.Length);
        for (int row = 0; row < golden.Length; row++)
            Assert.Equal(golden[row], window[row].Append(target[row]).ToArray());
    }

    private static float[][] Golden(string name) => File.ReadAllLines(Path.Combine(s_folder, name))
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => BitConverter.Int32BitsToSingle(int.Parse(word, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray())
        .ToArray();
}

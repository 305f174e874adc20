using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Images;

/// <summary>Real PNG files through ImageAnalytics into the CNN: LoadImages -> ResizeImages -> ExtractPixels -> Cnn -> MapKeyToValue.</summary>
public sealed class ImagePipelineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-png-").FullName;

    public sealed class ImageFile
    {
        public string Path { get; set; } = "";
        public string Digit { get; set; } = "";
    }

    public sealed class Prediction
    {
        public string PredictedDigit { get; set; } = "";
    }

    private ImageFile[] Write(int start, int count) => Digits.All.Skip(start).Take(count).Select((d, i) =>
    {
        string path = System.IO.Path.Combine(_folder, $"digit-{start + i}.png");
        PngWriter.WriteGrayscale(path, d.Pixels, 28, 28);
        return new ImageFile { Path = path, Digit = d.Digit.ToString() };
    }).ToArray();

    [Fact]
    public void TrainsAndScoresFromPngFiles()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Write(0, 600));
        ImageFile[] testFiles = Write(9000, 100);
        IDataView test = mlContext.Data.LoadFromEnumerable(testFiles);
        var options = CnnTestNetworks.Options(epochs: 3) with { FeatureColumnName = "Features" };
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(ImageFile.Digit))
            .Append(mlContext.Transforms.LoadImages("Image", imageFolder: "", inputColumnName: nameof(ImageFile.Path)))
            .Append(mlContext.Transforms.ResizeImages("Image", 28, 28))
            .Append(mlContext.Transforms.ExtractPixels("Features", "Image",
                colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255f))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));
        var model = pipeline.Fit(train);

        Assert.Equal("input (1, 28, 28)", model.GetModelParameters().Layers[0]);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        // Accuracy measured 0.84..0.92 over option seeds 1..8 (100 test images); margin 0.06.
        Assert.True(metrics.MicroAccuracy > 0.78, $"accuracy {metrics.MicroAccuracy:F3}");

        var engine = mlContext.Model.CreatePredictionEngine<ImageFile, Prediction>(model);
        int correct = testFiles.Count(f => engine.Predict(f).PredictedDigit == f.Digit);
        Assert.Equal((int)Math.Round(metrics.MicroAccuracy * testFiles.Length), correct);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

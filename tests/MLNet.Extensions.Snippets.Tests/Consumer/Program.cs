// The packaging test's consumer, built from the packed packages as a user's project would be.
// "train <folder> <model>" trains a tiny CNN on the PNG digits listed in <folder>/labels.csv, saves it and prints the
// training accuracy and every image's scores; "score <folder> <model>" loads the model and prints the same scores.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network.Specs;

string mode = args[0], folder = Path.GetFullPath(args[1]), modelPath = args[2];
var mlContext = new MLContext(seed: 1);
IDataView data = mlContext.Data.LoadFromTextFile<ImageFile>(Path.Combine(folder, "labels.csv"), separatorChar: ',');
ITransformer model;
if (mode == "train")
{
    var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
        .Append(mlContext.Transforms.LoadImages("Image", folder, nameof(ImageFile.File)))
        .Append(mlContext.Transforms.ResizeImages("Image", 28, 28))
        .Append(mlContext.Transforms.ExtractPixels("Features", "Image",
            colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
        .Append(mlContext.MulticlassClassification.Trainers.Cnn(new CnnOptions
        {
            Layers = new LayerStack(new Conv2dSpec(8, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu),
                new PoolingSpec(PoolingKind.Max, 2, 2), new FlattenSpec()),
            Epochs = 3, BatchSize = 16, LearningRate = 3e-3f, Seed = 1,
        }));
    model = pipeline.Fit(data);
    mlContext.Model.Save(model, data.Schema, modelPath);
    double accuracy = mlContext.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training accuracy: {accuracy:F4}"));
}
else
{
    model = mlContext.Model.Load(modelPath, out _);
}
foreach (float[] scores in model.Transform(data).GetColumn<float[]>("Score"))
    Console.WriteLine("scores " + string.Join(" ", scores.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8"))));

/// <summary>One line of labels.csv.</summary>
public sealed class ImageFile
{
    [LoadColumn(0)] public string File { get; set; } = "";
    [LoadColumn(1)] public string Label { get; set; } = "";
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

// A folder of 28x28 grayscale PNG digits with a labels.csv beside them: lines such as "digit-0.png,7".
string imageFolder = Path.GetFullPath("digits");
var mlContext = new MLContext(seed: 1);
IDataView data = mlContext.Data.LoadFromTextFile<ImageFile>(Path.Combine(imageFolder, "labels.csv"), separatorChar: ',');
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    .Append(mlContext.Transforms.LoadImages("Image", imageFolder, nameof(ImageFile.File)))
    .Append(mlContext.Transforms.ResizeImages("Image", 28, 28))
    .Append(mlContext.Transforms.ExtractPixels("Features", "Image",       // the CNN reads (C, H, W) = (1, 28, 28) from here
        colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
    .Append(mlContext.MulticlassClassification.Trainers.Cnn(new CnnOptions
    {
        Layers = new LayerStack(                                        // the trainer adds the output layer
            new Conv2dSpec(16, 3, Padding: 1), new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu),
            new PoolingSpec(PoolingKind.Max, 2, 2),
            new Conv2dSpec(32, 3, Padding: 1), new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu),
            new PoolingSpec(PoolingKind.Max, 2, 2), new FlattenSpec(), new DenseSpec(64),
            new ActivationSpec(ActivationKind.Relu), new DropoutSpec(0.25f)),
        Epochs = 10, BatchSize = 16, Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3f, Schedule = LearningRateSchedule.Cosine,
        ValidationFraction = 0.1f, EarlyStoppingPatience = 3, RandomShiftPixels = 2,
        BatchProgress = batch => { if (batch.Batch % 20 == 0) Console.WriteLine(batch); },  // within an epoch
        TrainingLogPath = "training.csv",                                                   // one row per epoch
    }, epoch => Console.WriteLine(epoch)))            // per epoch; names the stop reason if early stopping ends training
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(split.TrainSet);

MulticlassClassificationMetrics metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"test accuracy: {metrics.MicroAccuracy:F3}");
mlContext.Model.Save(model, split.TrainSet.Schema, "digits-cnn.zip");

// Load the model as another program would and classify one file.
var scoringContext = new MLContext();
ITransformer loaded = scoringContext.Model.Load("digits-cnn.zip", out _);
var engine = scoringContext.Model.CreatePredictionEngine<ImageFile, DigitPrediction>(loaded);
Console.WriteLine($"digit-0.png is a {engine.Predict(new ImageFile { File = "digit-0.png" }).PredictedLabel}");

/// <summary>One line of labels.csv.</summary>
public sealed class ImageFile
{
    [LoadColumn(0)] public string File { get; set; } = "";
    [LoadColumn(1)] public string Label { get; set; } = "";
}

/// <summary>What the model predicts for a file.</summary>
public sealed class DigitPrediction
{
    public string PredictedLabel { get; set; } = "";
}

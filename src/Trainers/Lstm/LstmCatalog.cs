using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>LSTM sequence trainers as ML.NET catalog entries: <c>mlContext.MulticlassClassification.Trainers.Lstm(...)</c> and friends.</summary>
public static class LstmCatalog
{
    /// <summary>An LSTM sequence classifier; features hold T steps of <paramref name="featuresPerStep"/> values, the label is a key.</summary>
    public static MulticlassNetworkTrainer Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        int featuresPerStep = 0, int hiddenSize = LstmOptions.Defaults.HiddenSize, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Lstm(catalog, Simple(labelColumnName, featureColumnName, featuresPerStep, hiddenSize, epochs, batchSize, learningRate), progress);

    /// <summary>An LSTM sequence classifier configured by <paramref name="options"/>.</summary>
    public static MulticlassNetworkTrainer Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        LstmOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new LstmNetworkFactory(options), progress);

    /// <summary>An LSTM binary sequence classifier; the label is Boolean.</summary>
    public static BinaryNetworkTrainer Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        int featuresPerStep = 0, int hiddenSize = LstmOptions.Defaults.HiddenSize, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Lstm(catalog, Simple(labelColumnName, featureColumnName, featuresPerStep, hiddenSize, epochs, batchSize, learningRate), progress);

    /// <summary>An LSTM binary sequence classifier configured by <paramref name="options"/>.</summary>
    public static BinaryNetworkTrainer Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        LstmOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new LstmNetworkFactory(options), progress);

    /// <summary>An LSTM sequence regressor; the label is Single.</summary>
    public static RegressionNetworkTrainer Lstm(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        int featuresPerStep = 0, int hiddenSize = LstmOptions.Defaults.HiddenSize, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Lstm(catalog, Simple(labelColumnName, featureColumnName, featuresPerStep, hiddenSize, epochs, batchSize, learningRate), progress);

    /// <summary>An LSTM sequence regressor configured by <paramref name="options"/>.</summary>
    public static RegressionNetworkTrainer Lstm(this RegressionCatalog.RegressionTrainers catalog,
        LstmOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new LstmNetworkFactory(options), progress);

    private static LstmOptions Simple(string label, string features, int featuresPerStep, int hiddenSize, int epochs, int batchSize,
        float learningRate) => new()
    {
        LabelColumnName = label,
        FeatureColumnName = features,
        FeaturesPerStep = featuresPerStep,
        HiddenSize = hiddenSize,
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = learningRate,
    };
}

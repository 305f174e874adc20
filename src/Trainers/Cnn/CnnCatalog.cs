using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>CNN trainers as ML.NET catalog entries: <c>mlContext.MulticlassClassification.Trainers.Cnn(...)</c> and friends.</summary>
public static class CnnCatalog
{
    /// <summary>A CNN classifier over an image-shaped feature vector; the label must be a key.</summary>
    public static MulticlassNetworkTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        LayerStack? layers = null, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Cnn(catalog, Simple(labelColumnName, featureColumnName, layers, epochs, batchSize, learningRate), progress);

    /// <summary>A CNN classifier configured by <paramref name="options"/>.</summary>
    public static MulticlassNetworkTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        CnnOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new CnnNetworkFactory(options), progress);

    /// <summary>A CNN binary classifier over an image-shaped feature vector; the label must be Boolean.</summary>
    public static BinaryNetworkTrainer Cnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        LayerStack? layers = null, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Cnn(catalog, Simple(labelColumnName, featureColumnName, layers, epochs, batchSize, learningRate), progress);

    /// <summary>A CNN binary classifier configured by <paramref name="options"/>.</summary>
    public static BinaryNetworkTrainer Cnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        CnnOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new CnnNetworkFactory(options), progress);

    /// <summary>A CNN regressor over an image-shaped feature vector; the label must be Single.</summary>
    public static RegressionNetworkTrainer Cnn(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = NetworkTrainingOptions.Defaults.LabelColumnName,
        string featureColumnName = NetworkTrainingOptions.Defaults.FeatureColumnName,
        LayerStack? layers = null, int epochs = NetworkTrainingOptions.Defaults.Epochs,
        int batchSize = NetworkTrainingOptions.Defaults.BatchSize, float learningRate = NetworkTrainingOptions.Defaults.LearningRate,
        Action<TrainingProgress>? progress = null)
        => Cnn(catalog, Simple(labelColumnName, featureColumnName, layers, epochs, batchSize, learningRate), progress);

    /// <summary>A CNN regressor configured by <paramref name="options"/>.</summary>
    public static RegressionNetworkTrainer Cnn(this RegressionCatalog.RegressionTrainers catalog,
        CnnOptions options, Action<TrainingProgress>? progress = null)
        => new(CatalogEnvironment.Of(catalog), new CnnNetworkFactory(options), progress);

    private static CnnOptions Simple(string label, string features, LayerStack? layers, int epochs, int batchSize, float learningRate) => new()
    {
        LabelColumnName = label,
        FeatureColumnName = features,
        Layers = layers,
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = learningRate,
    };
}

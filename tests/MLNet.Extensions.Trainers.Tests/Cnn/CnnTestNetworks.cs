using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Tests.Cnn;

/// <summary>Small networks and options that train in seconds, so tests stay fast.</summary>
public static class CnnTestNetworks
{
    /// <summary>conv 8 -> relu -> maxpool -> conv 16 -> batchnorm -> relu -> avgpool -> flatten -> dense 32 -> relu -> dropout.</summary>
    public static LayerStack Small { get; } = new(
        new Conv2dSpec(8, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
        new Conv2dSpec(16, 3, Padding: 1), new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Average),
        new FlattenSpec(), new DenseSpec(32), new ActivationSpec(ActivationKind.Relu), new DropoutSpec(0.1f));

    /// <summary>Options for the small network: 3 epochs of Adam.</summary>
    public static CnnOptions Options(int epochs = 3) => new()
    {
        FeatureColumnName = "Pixels",
        LabelColumnName = "Label",
        Layers = Small,
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 3e-3f,
        Seed = 7,
    };
}

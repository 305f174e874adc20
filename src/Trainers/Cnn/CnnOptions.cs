using Microsoft.ML.SearchSpace;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>Options of the CNN trainers: the layer stack, the input shape and augmentation, plus the shared training options.</summary>
public sealed record CnnOptions : NetworkTrainingOptions
{
    /// <summary>
    /// The default network: two convolution blocks (3x3, batch norm, ReLU, 2x2 max pool) with 32 and 64 filters,
    /// then dense 128 with ReLU and dropout 0.25. The trainer appends the output layer sized to the task.
    /// </summary>
    public static LayerStack DefaultLayers { get; } = new(
        new Conv2dSpec(32, 3, Padding: 1), new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu),
        new PoolingSpec(PoolingKind.Max, 2, 2),
        new Conv2dSpec(64, 3, Padding: 1), new BatchNormSpec(), new ActivationSpec(ActivationKind.Relu),
        new PoolingSpec(PoolingKind.Max, 2, 2),
        new FlattenSpec(), new DenseSpec(128), new ActivationSpec(ActivationKind.Relu), new DropoutSpec(0.25f));

    /// <summary>The network body; null uses <see cref="DefaultLayers"/>. The output layer is added by the trainer.</summary>
    public LayerStack? Layers { get; init; }

    /// <summary>Input channels; 0 takes (C, H, W) from the feature column's dimensions (as ExtractPixels sets them).</summary>
    public int ImageChannels { get; init; }

    /// <summary>Input height; 0 takes it from the feature column.</summary>
    public int ImageHeight { get; init; }

    /// <summary>Input width; 0 takes it from the feature column.</summary>
    public int ImageWidth { get; init; }

    /// <summary>Shift each training image by up to this many pixels in each direction (augmentation); 0 turns it off.</summary>
    [Range(0, 3, 0)]
    public int RandomShiftPixels { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        bool none = ImageChannels == 0 && ImageHeight == 0 && ImageWidth == 0;
        bool all = ImageChannels > 0 && ImageHeight > 0 && ImageWidth > 0;
        Require(none || all, nameof(ImageChannels), $"{ImageChannels}x{ImageHeight}x{ImageWidth}",
            "all of ImageChannels, ImageHeight and ImageWidth positive, or all 0 to read them from the feature column");
        Require(RandomShiftPixels >= 0, nameof(RandomShiftPixels), RandomShiftPixels, "zero (off) or positive");
        (Layers ?? DefaultLayers).Validate();
    }
}

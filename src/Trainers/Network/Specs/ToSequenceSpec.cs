using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>Reads a (C, H, W) feature map as W steps of C·H features, so convolution layers can feed LSTM or GRU layers.</summary>
public sealed record ToSequenceSpec : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
    }

    internal override Layer Build(TensorShape input)
    {
        RequireImage(input, "ToSequence");
        return new ToSequenceLayer(input);
    }

    /// <inheritdoc />
    public override string ToString() => "to-sequence";
}

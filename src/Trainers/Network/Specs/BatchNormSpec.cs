using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>Batch normalization per channel (per feature after flattening), with running statistics for inference.</summary>
public sealed record BatchNormSpec : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
    }

    internal override Layer Build(TensorShape input) => new BatchNormLayer(input);

    /// <inheritdoc />
    public override string ToString() => "batchnorm";
}

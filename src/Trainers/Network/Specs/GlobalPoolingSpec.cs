using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>
/// Global average or max pooling (Keras' <c>GlobalAveragePooling1D/2D</c>, <c>GlobalMaxPooling1D/2D</c>): one value per channel
/// over a map's positions, or over a sequence's used steps.
/// </summary>
/// <param name="Kind">Max or average.</param>
public sealed record GlobalPoolingSpec(PoolingKind Kind) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate() => Require(Enum.IsDefined(Kind), "GlobalPooling.Kind", Kind, "Max or Average");

    internal override Layer Build(TensorShape input) => new GlobalPoolingLayer(input, Kind == PoolingKind.Max);

    /// <inheritdoc />
    public override string ToString() => $"global{Kind.ToString().ToLowerInvariant()}pool";
}

using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>A pooling layer with a square window.</summary>
/// <param name="Kind">Max or average.</param>
/// <param name="Size">Window side.</param>
/// <param name="Stride">Step between windows (usually the window side).</param>
/// <param name="Padding">Padding on every side; padded cells never win a max and do not count in an average.</param>
public sealed record PoolingSpec(PoolingKind Kind, int Size = 2, int Stride = 2, int Padding = 0) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
        Require(Enum.IsDefined(Kind), "Pooling.Kind", Kind, "Max or Average");
        Require(Size >= 1, "Pooling.Size", Size, "at least 1");
        Require(Stride >= 1, "Pooling.Stride", Stride, "at least 1");
        Require(Padding >= 0 && Padding < Size, "Pooling.Padding", Padding, $"0 to {Size - 1}");
    }

    internal override Layer Build(TensorShape input)
    {
        RequireImage(input, "Pooling");
        Require(input.Height + 2 * Padding >= Size && input.Width + 2 * Padding >= Size,
            "Pooling.Size", Size, $"no larger than the padded input {input}");
        return new PoolingLayer(input, Kind == PoolingKind.Max, Size, Stride, Padding);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}pool({Size}, stride {Stride})";
}

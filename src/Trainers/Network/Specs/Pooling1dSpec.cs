using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>Max or average pooling along a sequence's steps (Keras' <c>MaxPooling1D</c> / <c>AveragePooling1D</c>).</summary>
/// <param name="Kind">Max or average.</param>
/// <param name="Size">Window length in steps.</param>
/// <param name="Stride">Step between windows (usually the window length).</param>
/// <param name="Padding">Steps of padding at each end; padded steps never win a max and do not count in an average.</param>
public sealed record Pooling1dSpec(PoolingKind Kind, int Size = 2, int Stride = 2, int Padding = 0) : LayerSpec
{
    /// <inheritdoc />
    public override void Validate()
    {
        Require(Enum.IsDefined(Kind), "Pooling1d.Kind", Kind, "Max or Average");
        Require(Size is >= 1 and <= 1024, "Pooling1d.Size", Size, "1 to 1024");
        Require(Stride is >= 1 and <= 1024, "Pooling1d.Stride", Stride, "1 to 1024");
        Require(Padding >= 0 && Padding < Size, "Pooling1d.Padding", Padding, $"0 to {Size - 1}");
    }

    internal override Layer Build(TensorShape input)
    {
        RequireSequence(input, "Pooling1d");
        Require(input.Steps + 2 * Padding >= Size, "Pooling1d.Size", Size, $"no longer than the padded input {input}");
        return new Pooling1dLayer(input, Kind == PoolingKind.Max, Size, Stride, Padding);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}pool1d({Size}, stride {Stride})";
}

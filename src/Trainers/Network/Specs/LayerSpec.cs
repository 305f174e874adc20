using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>
/// Plain-data description of one layer (a record: copyable, comparable, printable), so that options holding a layer
/// stack can be swept by an experiment runner. The trainer turns specs into layers once the input shape is known.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field when the spec cannot be built.</summary>
    public abstract void Validate();

    /// <summary>Shape this layer produces from <paramref name="input"/>; throws when the input is too small.</summary>
    internal abstract Layer Build(TensorShape input);

    /// <summary>Builds on <paramref name="input"/> in a network whose samples carry <paramref name="trailingFeatures"/> trailing values.</summary>
    internal virtual Layer Build(TensorShape input, int trailingFeatures) => Build(input);

    /// <summary>Rejects a sequence input for layers that read images or vectors (2-D convolution and pooling).</summary>
    private protected static void RequireImage(TensorShape input, string layer) =>
        Require(!input.IsSequence, layer, input, "an image or vector input; a sequence needs the 1-D layers");

    /// <summary>Rejects a non-sequence input for sequence layers.</summary>
    private protected static void RequireSequence(TensorShape input, string layer) =>
        Require(input.IsSequence, layer, input, "a sequence input (steps x features); put ToSequence after image layers");

    /// <summary>Raises an <see cref="ArgumentException"/> in the common form used by every spec.</summary>
    private protected static void Require(bool condition, string field, object value, string expected)
    {
        if (!condition)
            throw new ArgumentException($"{field} is {value}; expected {expected}.", field);
    }
}

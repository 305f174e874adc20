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

    /// <summary>Raises an <see cref="ArgumentException"/> in the common form used by every spec.</summary>
    private protected static void Require(bool condition, string field, object value, string expected)
    {
        if (!condition)
            throw new ArgumentException($"{field} is {value}; expected {expected}.", field);
    }
}

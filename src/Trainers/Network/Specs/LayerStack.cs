using System.Collections;

namespace MLNet.Extensions.Trainers.Network.Specs;

/// <summary>An ordered, immutable list of layer specs with value equality, so two option sets with the same network compare equal.</summary>
public sealed class LayerStack : IReadOnlyList<LayerSpec>, IEquatable<LayerStack>
{
    private readonly LayerSpec[] _layers;

    /// <summary>A stack of <paramref name="layers"/>, first applied first.</summary>
    public LayerStack(params IEnumerable<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers.ToArray();
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is null)
                throw new ArgumentException($"Layer {i} is null.", nameof(layers));
        }
    }

    /// <inheritdoc />
    public LayerSpec this[int index] => _layers[index];

    /// <inheritdoc />
    public int Count => _layers.Length;

    /// <summary>Validates every spec; the message names the layer's position.</summary>
    public void Validate()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            try
            {
                _layers[i].Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Layer {i} ({_layers[i]}): {e.Message}", e.ParamName, e);
            }
        }
    }

    /// <inheritdoc />
    public IEnumerator<LayerSpec> GetEnumerator() => ((IEnumerable<LayerSpec>)_layers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals(LayerStack? other) => other is not null && _layers.SequenceEqual(other._layers);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LayerStack);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (LayerSpec layer in _layers)
            hash.Add(layer);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(" -> ", _layers.Select(l => l.ToString()));
}

using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// Per-caller memory for running a <see cref="SequentialNetwork"/>: one activation buffer per layer boundary, two
/// ping-pong gradient buffers, per-layer caches and one shared scratch area, sized once for a batch capacity and reused
/// (fresh pages cost more than the arithmetic on this class of machine).
/// </summary>
internal sealed class SequentialWorkspace
{
    private readonly SequentialNetwork _network;
    private float[][] _activations = [];
    private float[][] _gradients = [];
    private float[][] _caches = [];
    private int[][] _indexCaches = [];
    private float[] _scratch = [];
    private KernelRandom _random;

    public SequentialWorkspace(SequentialNetwork network, int capacity, ulong seed)
    {
        _network = network;
        _random = new KernelRandom(seed);
        Allocate(Math.Max(1, capacity));
    }

    /// <summary>Largest batch this workspace holds without growing.</summary>
    public int Capacity { get; private set; }

    /// <summary>Where callers write the input batch (N, InputShape.Size).</summary>
    public Span<float> Input => _activations[0];

    /// <summary>The generator dropout draws from.</summary>
    public ref KernelRandom Random => ref _random;

    internal Span<float> Activation(int boundary) => _activations[boundary];

    internal Span<float> Gradient(int parity) => _gradients[parity];

    internal Span<float> Cache(int layer) => _caches[layer];

    internal Span<int> IndexCache(int layer) => _indexCaches[layer];

    internal Span<float> Scratch => _scratch;

    /// <summary>Grows the buffers when a larger batch arrives; a no-op in steady state.</summary>
    public void EnsureCapacity(int batch)
    {
        if (batch > Capacity)
            Allocate(batch);
    }

    private void Allocate(int capacity)
    {
        var layers = _network.Layers;
        _activations = new float[layers.Count + 1][];
        _activations[0] = new float[capacity * _network.InputShape.Size];
        int widest = _network.InputShape.Size;
        int scratch = 0;
        _caches = new float[layers.Count][];
        _indexCaches = new int[layers.Count][];
        for (int i = 0; i < layers.Count; i++)
        {
            _activations[i + 1] = new float[capacity * layers[i].OutputShape.Size];
            widest = Math.Max(widest, layers[i].OutputShape.Size);
            _caches[i] = new float[layers[i].CacheSize(capacity)];
            _indexCaches[i] = new int[layers[i].IndexCacheSize(capacity)];
            scratch = Math.Max(scratch, layers[i].WorkspaceSize(capacity));
        }
        _gradients = [new float[capacity * widest], new float[capacity * widest]];
        _scratch = new float[scratch];
        Capacity = capacity;
    }
}

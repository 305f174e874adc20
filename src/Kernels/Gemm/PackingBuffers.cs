using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// Per-thread scratch for the packed A block and B panel: pinned, 64-byte aligned, grown on demand and then reused,
/// so steady-state GEMM calls allocate nothing.
/// </summary>
internal sealed unsafe class PackingBuffers
{
    [ThreadStatic]
    private static PackingBuffers? t_current;

    private const int AlignmentFloats = 16;

    private float[]? _aStorage;
    private float[]? _bStorage;
    private float* _a;
    private float* _b;
    private int _aCapacity;
    private int _bCapacity;

    /// <summary>The calling thread's buffers.</summary>
    public static PackingBuffers Current => t_current ??= new PackingBuffers();

    /// <summary>Space for at least <paramref name="length"/> floats of packed A; contents are undefined.</summary>
    public float* A(int length)
    {
        if (length > _aCapacity)
            _a = Grow(ref _aStorage, length, out _aCapacity);
        return _a;
    }

    /// <summary>Space for at least <paramref name="length"/> floats of packed B; contents are undefined.</summary>
    public float* B(int length)
    {
        if (length > _bCapacity)
            _b = Grow(ref _bStorage, length, out _bCapacity);
        return _b;
    }

    private static float* Grow(ref float[]? storage, int length, out int capacity)
    {
        // Pinned on the POH, so the aligned pointer stays valid for the life of the array.
        storage = GC.AllocateUninitializedArray<float>(length + AlignmentFloats, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        nint aligned = (start + AlignmentFloats * sizeof(float) - 1) & ~(nint)(AlignmentFloats * sizeof(float) - 1);
        capacity = length;
        return (float*)aligned;
    }
}

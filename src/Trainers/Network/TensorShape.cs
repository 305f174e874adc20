namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// Shape of one sample flowing between layers: channels, height, width (a flat vector is (n, 1, 1)). A sequence of T steps of
/// F features is (1, T, F) with <see cref="IsSequence"/> set: stored step-major, so step t's features are floats [t*F, (t+1)*F).
/// </summary>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>Whether this is a sequence (Height = steps, Width = features per step) rather than an image or a vector.</summary>
    public bool IsSequence { get; init; }

    /// <summary>Floats per sample: C*H*W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Steps of a sequence (its Height).</summary>
    public int Steps => Height;

    /// <summary>Features per step of a sequence (its Width).</summary>
    public int Features => Width;

    /// <summary>A flat vector of <paramref name="length"/> features.</summary>
    public static TensorShape Vector(int length) => new(length, 1, 1);

    /// <summary>A sequence of <paramref name="steps"/> steps of <paramref name="features"/> features each.</summary>
    public static TensorShape Sequence(int steps, int features) => new(1, steps, features) { IsSequence = true };

    /// <summary>Size computed in 64 bits, for checks before anything is allocated.</summary>
    public long LongSize => (long)Channels * Height * Width;

    /// <inheritdoc />
    public override string ToString() =>
        IsSequence ? $"({Steps} steps x {Features})" : Height == 1 && Width == 1 ? $"({Channels})" : $"({Channels}, {Height}, {Width})";
}

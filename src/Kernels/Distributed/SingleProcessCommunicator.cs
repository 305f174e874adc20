namespace MLNet.Extensions.Kernels.Distributed;

/// <summary>A group of one: every collective leaves the values as they are.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <summary>The one instance (it has no state).</summary>
    public static SingleProcessCommunicator Instance { get; } = new();

    private SingleProcessCommunicator()
    {
    }

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public string Description => "single process";

    /// <inheritdoc />
    public void AllreduceSum(Span<float> values)
    {
    }

    /// <inheritdoc />
    public void AllreduceSum(Span<double> values)
    {
    }

    /// <inheritdoc />
    public void AllreduceMax(Span<double> values)
    {
    }

    /// <inheritdoc />
    public void Broadcast(Span<float> values, int root)
    {
        if (root != 0)
            throw new ArgumentOutOfRangeException(nameof(root), root, "A single process has only rank 0.");
    }

    /// <inheritdoc />
    public void Barrier()
    {
    }

    /// <inheritdoc />
    public void Abort(string message, int exitCode = 1)
    {
        Console.Error.WriteLine(message);
        Environment.Exit(exitCode);
    }
}

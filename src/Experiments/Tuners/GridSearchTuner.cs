namespace MLNet.Extensions.Experiments;

/// <summary>Walks every grid point once (ranges at <c>stepsPerRange</c> values, every choice option, nested spaces expanded), in order.</summary>
public sealed class GridSearchTuner : ITuner
{
    private readonly int _steps;
    private IEnumerator<Parameters>? _grid;
    private int _next;

    /// <summary>Ranges are tried at <paramref name="stepsPerRange"/> evenly spaced values (in their linear or log scale).</summary>
    public GridSearchTuner(int stepsPerRange = 4)
    {
        if (stepsPerRange < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerRange), stepsPerRange, "Grid steps per range must be at least 1.");
        _steps = stepsPerRange;
    }

    /// <inheritdoc />
    public void Initialize(SearchSpace space, int seed)
    {
        _grid = space.Grid(_steps).GetEnumerator();
        _next = 0;
    }

    /// <inheritdoc />
    public TrialProposal? Propose() =>
        _grid is not null && _grid.MoveNext() ? new TrialProposal(_next++, _grid.Current) : null;

    /// <inheritdoc />
    public void Report(TrialOutcome outcome)
    {
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Transforms.DataViews;

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// The output of <see cref="SlidingWindowTransformer.Transform"/>: one sequential cursor that remembers the last raw rows,
/// skips rows until a window is complete, emits every Stride-th window, and passes the current row's columns through.
/// </summary>
internal sealed class SlidingWindowDataView : SeriesDataView
{
    private readonly SlidingWindowTransformer _parent;

    public SlidingWindowDataView(SlidingWindowTransformer parent, IDataView input, DataViewSchema schema)
        : base(parent.Host, input, schema, [.. parent.Options.WindowColumns.Append(parent.Options.InputColumnName).Distinct()], keepsEveryRow: false)
    {
        _parent = parent;
    }

    protected override DataViewRowCursor CreateCursor(DataViewRowCursor input, HashSet<int> active) => new Cursor(this, input, active);

    private sealed class Cursor : SeriesCursor
    {
        private readonly SlidingWindowOptions _options;
        private readonly int _features;
        private readonly int _targetFeatures;
        private readonly int _targetOffset;
        private readonly (string Name, int Offset, int Width, Action<float[], int> Read)[] _columns;
        private readonly float[][] _history;
        private readonly float[] _window;
        private readonly float[] _target;
        private readonly float[] _column;
        private long _seen;
        private long _position = -1;

        public Cursor(SlidingWindowDataView view, DataViewRowCursor input, HashSet<int> active)
            : base(view, input, active)
        {
            SlidingWindowTransformer parent = view._parent;
            _options = parent.Options;
            _features = parent.FeaturesPerStep;
            _targetFeatures = parent.TargetFeatures;
            // Each history row holds the window's features, then the target column's unless the window already has them.
            var columns = new List<(string, int, int, Action<float[], int>)>();
            int offset = 0;
            IReadOnlyList<string> windowColumns = _options.WindowColumns;
            for (int c = 0; c < windowColumns.Count; c++)
            {
                columns.Add((windowColumns[c], offset, parent.WindowWidths[c], Reader(input, windowColumns[c], parent.WindowWidths[c])));
                offset += parent.WindowWidths[c];
            }
            int inWindow = columns.FindIndex(c => c.Item1 == _options.InputColumnName);
            if (inWindow >= 0)
            {
                _targetOffset = columns[inWindow].Item2;
            }
            else
            {
                _targetOffset = offset;
                columns.Add((_options.InputColumnName, offset, _targetFeatures, Reader(input, _options.InputColumnName, _targetFeatures)));
                offset += _targetFeatures;
            }
            _columns = columns.ToArray();
            _history = new float[_options.History][];
            for (int i = 0; i < _history.Length; i++)
                _history[i] = new float[offset];
            _window = new float[_options.WindowSize * _features];
            _target = new float[_targetFeatures];
            _column = new float[_options.History];
        }

        /// <summary>Copies a row's values of column <paramref name="name"/> into a history row at an offset.</summary>
        private static Action<float[], int> Reader(DataViewRowCursor input, string name, int width)
        {
            DataViewSchema.Column series = input.Schema[name];
            if (width == 1 && series.Type is not VectorDataViewType)
            {
                ValueGetter<float> getter = input.GetGetter<float>(series);
                return (row, offset) => getter(ref row[offset]);
            }
            ValueGetter<VBuffer<float>> vector = input.GetGetter<VBuffer<float>>(series);
            VBuffer<float> buffer = default;
            return (row, offset) =>
            {
                vector(ref buffer);
                buffer.CopyTo(row.AsSpan(offset, width));
            };
        }

        public override long Position => _position;

        public override bool MoveNext()
        {
            while (InputCursor.MoveNext())
            {
                ThrowIfCancelled();
                // Shift the history left by one row and read the newest values into the freed row.
                float[] newest = _history[0];
                Array.Copy(_history, 1, _history, 0, _history.Length - 1);
                foreach (var column in _columns)
                {
                    column.Read(newest, column.Offset);
                    if (!_options.AllowNonFiniteValues)
                        CheckFinite(column.Name, newest.AsSpan(column.Offset, column.Width));
                }
                _history[^1] = newest;
                _seen++;
                long windowIndex = _seen - _history.Length;
                if (windowIndex < 0 || windowIndex % _options.Stride != 0)
                    continue;
                Fill();
                _position++;
                return true;
            }
            return false;
        }

        private void CheckFinite(string name, ReadOnlySpan<float> values)
        {
            for (int f = 0; f < values.Length; f++)
            {
                if (!float.IsFinite(values[f]))
                    throw new InvalidOperationException(
                        $"Series column '{name}' has a non-finite value ({values[f]}) at row {InputCursor.Position}" +
                        (values.Length > 1 ? $", feature {f}" : "") + "; replace missing values first, or set AllowNonFiniteValues to pass them into the windows.");
            }
        }

        /// <summary>Window and target from the history, differenced <c>DifferencingOrder</c> times.</summary>
        private void Fill()
        {
            int d = _options.DifferencingOrder, t = _options.WindowSize, h = _options.Horizon;
            Span<float> column = _column;
            int width = _history[0].Length;
            for (int f = 0; f < width; f++)
            {
                for (int i = 0; i < column.Length; i++)
                    column[i] = _history[i][f];
                // Differenced value k is the one ending at raw position d + k of the window span [0, t + h).
                Differencing.ApplyInPlace(column, d);
                if (f < _features)
                {
                    for (int k = 0; k < t; k++)
                        _window[k * _features + f] = column[k];
                }
                if (f >= _targetOffset && f < _targetOffset + _targetFeatures)
                    _target[f - _targetOffset] = column[t + h - 1];
            }
        }

        protected override Delegate AppendedGetter(int index)
        {
            if (index == 0)
                return VectorGetter(_window);
            if (_targetFeatures == 1 || _options.TargetFeatureIndex is not null)
            {
                int f = _options.TargetFeatureIndex ?? 0;
                ValueGetter<float> scalar = (ref float value) => value = _target[f];
                return scalar;
            }
            return VectorGetter(_target);
        }
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>
/// An ML.NET <see cref="OnnxContext"/> that needs no Microsoft.ML.OnnxConverter: it collects the nodes, constants, inputs
/// and outputs that ONNX-saving components write, for <see cref="OnnxModelSerializer"/> to save as a model file.
/// </summary>
/// <remarks>
/// It behaves as the converter's own context does where our writers depend on it: an IDataView column maps to its latest
/// variable, new names are made unique by a numeric suffix, a node without a domain is in ai.onnx.ml, and a constant
/// without dims is one-dimensional. It targets <see cref="OpSetVersion"/>, the converter's default.
/// </remarks>
internal sealed class OnnxModelContext : OnnxContext
{
    /// <summary>The ai.onnx operator set: 12, the default (and the highest) that ML.NET's converter writes.</summary>
    public const int OpSetVersion = 12;

    /// <summary>The ai.onnx.ml operator set, the one ML.NET's converter writes.</summary>
    public const int MLOpSetVersion = 2;

    private const string MLDomain = "ai.onnx.ml";

    private readonly Dictionary<string, string> _columns = [];
    private readonly HashSet<string> _variables = [];
    private readonly HashSet<string> _nodeNames = [];
    private readonly List<OnnxModelNode> _nodes = [];
    private readonly List<OnnxInitializer> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];

    public IReadOnlyList<OnnxModelNode> Nodes => _nodes;

    public IReadOnlyList<OnnxInitializer> Initializers => _initializers;

    public IReadOnlyList<OnnxValueInfo> Inputs => _inputs;

    public IReadOnlyList<OnnxValueInfo> Outputs => _outputs;

    /// <summary>Declares a graph input for the IDataView column <paramref name="columnName"/>, named after it.</summary>
    /// <returns>The input's variable name.</returns>
    public string AddInput(string columnName, int elementType, IReadOnlyList<OnnxDimension> shape)
    {
        string variable = MapColumn(columnName);
        _inputs.Add(new OnnxValueInfo(variable, elementType, shape));
        return variable;
    }

    /// <summary>Declares <paramref name="variable"/> a graph output.</summary>
    public void AddOutput(string variable, int elementType, IReadOnlyList<OnnxDimension> shape)
    {
        if (!_variables.Contains(variable))
        {
            throw new ArgumentException($"No variable '{variable}' is defined in the graph.", nameof(variable));
        }

        _outputs.Add(new OnnxValueInfo(variable, elementType, shape));
    }

    public override string GetNodeName(string prefix) => Unique(prefix, _nodeNames);

    public override bool IsVariableDefined(string variableName) => _variables.Contains(variableName);

    public override bool ContainsColumn(string colName) => _columns.ContainsKey(colName);

    public override void CheckOpSetVersion(int thisTransformerMinumumOpSetVersion, string registerTransformerName)
    {
        if (thisTransformerMinumumOpSetVersion > OpSetVersion)
        {
            throw new NotSupportedException(
                $"{registerTransformerName} needs ONNX opset {thisTransformerMinumumOpSetVersion}; this export writes opset {OpSetVersion}.");
        }
    }

    public override void RemoveColumn(string colName, bool removeVariable = false)
    {
        if (_columns.Remove(colName, out string? variable) && removeVariable)
        {
            _variables.Remove(variable);
        }
    }

    public override void RemoveVariable(string variableName, bool removeColumn)
    {
        _variables.Remove(variableName);
        if (removeColumn)
        {
            foreach (var column in _columns.Where(c => c.Value == variableName).Select(c => c.Key).ToList())
            {
                _columns.Remove(column);
            }
        }
    }

    public override void RemoveInputVariable(string variableName)
    {
        string variable = GetVariableName(variableName);
        _inputs.RemoveAll(input => input.Name == variable);
        RemoveVariable(variable, removeColumn: true);
    }

    public override string GetVariableName(string colName)
        => _columns.TryGetValue(colName, out string? variable)
            ? variable
            : throw new ArgumentException($"The column '{colName}' has no variable in the graph.", nameof(colName));

    public override string AddIntermediateVariable(DataViewType type, string colName, bool skip = false) => MapColumn(colName);

    public override OnnxNode CreateNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name, string? domain = null)
    {
        if (!_nodeNames.Add(name))
        {
            throw new ArgumentException($"A node named '{name}' already exists.", nameof(name));
        }

        var node = new OnnxModelNode(opType, [.. inputs], [.. outputs], name, domain ?? MLDomain);
        _nodes.Add(node);
        return node;
    }

    public override OnnxVersion GetOnnxVersion() => OnnxVersion.Stable;

    public override List<long>? RetrieveShapeOrNull(string variableName)
        => _inputs.Concat(_outputs).FirstOrDefault(v => v.Name == variableName)?.Shape.Select(d => d.Parameter is null ? d.Size : -1).ToList();

    public override string AddInitializer(bool value, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], [], name ?? "bool", makeUniqueName);

    public override string AddInitializer(float value, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], [], name ?? "float", makeUniqueName);

    public override string AddInitializer(int value, Type type, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], type, [], name ?? "int32", makeUniqueName);

    public override string AddInitializer(string value, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], [], name ?? "string", makeUniqueName);

    public override string AddInitializer(long value, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], [], name ?? "int64", makeUniqueName);

    public override string AddInitializer(double value, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], [], name ?? "double", makeUniqueName);

    public override string AddInitializer(ulong value, bool isUint64, string? name = null, bool makeUniqueName = true)
        => AddInitializer([value], isUint64, [], name ?? "uint64", makeUniqueName);

    public override string AddInitializer(IEnumerable<bool> values, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
        => AddFixedSize(name ?? "bools", makeUniqueName, OnnxElementType.Bool, dims, [.. values.Select(v => v ? (byte)1 : (byte)0)]);

    public override string AddInitializer(IEnumerable<float> values, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
        => AddFixedSize(name ?? "floats", makeUniqueName, OnnxElementType.Float, dims, Bytes<float>([.. values]));

    public override string AddInitializer(IEnumerable<int> values, Type type, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
    {
        int elementType = OnnxElementType.Of(type);
        int size = OnnxElementType.SizeOf(elementType);
        int[] array = [.. values];
        var bytes = new byte[array.Length * size];
        Span<byte> value = stackalloc byte[sizeof(int)];
        for (int i = 0; i < array.Length; i++)
        {
            // Little-endian: the low bytes of the int are the value in the narrower type.
            BinaryPrimitives.WriteInt32LittleEndian(value, array[i]);
            value[..size].CopyTo(bytes.AsSpan(i * size));
        }

        return AddFixedSize(name ?? "int32s", makeUniqueName, elementType, dims, bytes);
    }

    public override string AddInitializer(IEnumerable<string> values, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
    {
        string[] array = [.. values];
        string variable = AddVariable(name ?? "strings", makeUniqueName);
        _initializers.Add(new OnnxInitializer(variable, OnnxElementType.String, Dims(dims, array.Length), null, array));
        return variable;
    }

    public override string AddInitializer(IEnumerable<long> values, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
        => AddFixedSize(name ?? "int64s", makeUniqueName, OnnxElementType.Int64, dims, Bytes<long>([.. values]));

    public override string AddInitializer(IEnumerable<double> values, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
        => AddFixedSize(name ?? "doubles", makeUniqueName, OnnxElementType.Double, dims, Bytes<double>([.. values]));

    public override string AddInitializer(IEnumerable<ulong> values, bool isUint64, IEnumerable<long>? dims, string? name = null, bool makeUniqueName = true)
        => isUint64
            ? AddFixedSize(name ?? "uint64s", makeUniqueName, OnnxElementType.UInt64, dims, Bytes<ulong>([.. values]))
            : AddFixedSize(name ?? "uint32s", makeUniqueName, OnnxElementType.UInt32, dims, Bytes<uint>([.. values.Select(v => checked((uint)v))]));

    // The constant's values as little-endian bytes (ONNX raw_data), whatever the machine's byte order.
    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            int size = bytes.Length / Math.Max(values.Length, 1);
            for (int i = 0; i < values.Length; i++)
            {
                bytes.AsSpan(i * size, size).Reverse();
            }
        }

        return bytes;
    }

    // A constant without dims is one-dimensional, as in ML.NET's converter.
    private static long[] Dims(IEnumerable<long>? dims, int count) => dims is null ? [count] : [.. dims];

    private string AddFixedSize(string name, bool makeUniqueName, int elementType, IEnumerable<long>? dims, byte[] rawData)
    {
        int count = rawData.Length / OnnxElementType.SizeOf(elementType);
        long[] shape = Dims(dims, count);
        if (shape.Aggregate(1L, (a, b) => a * b) != count)
        {
            throw new ArgumentException($"The constant '{name}' has {count} values but dims [{string.Join(", ", shape)}].", nameof(dims));
        }

        string variable = AddVariable(name, makeUniqueName);
        _initializers.Add(new OnnxInitializer(variable, elementType, shape, rawData, null));
        return variable;
    }

    private string MapColumn(string columnName)
    {
        string variable = AddVariable(columnName, makeUniqueName: true);
        _columns[columnName] = variable;
        return variable;
    }

    private string AddVariable(string name, bool makeUniqueName)
    {
        string variable = makeUniqueName ? Unique(name, _variables) : name;
        _variables.Add(variable);
        return variable;
    }

    // The prefix itself when free, else the prefix with the first free number appended.
    private static string Unique(string prefix, HashSet<string> taken)
    {
        if (!taken.Contains(prefix))
        {
            return prefix;
        }

        int suffix = 0;
        while (taken.Contains(prefix + suffix))
        {
            suffix++;
        }

        return prefix + suffix;
    }
}

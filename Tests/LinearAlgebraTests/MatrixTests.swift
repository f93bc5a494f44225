import Foundation
import LinearAlgebra
import Testing

/// OpenBLAS through ``Matrix`` and ``VectorOperations`` against numpy.
/// Reference values: `python3 scripts/reference/linear_algebra.py` (numpy 2.4, float64 from the float32 inputs).
@Suite("Linear algebra against numpy")
struct MatrixTests {
    /// A = sin(0.7·i) for i in 0..<12, as 3×4; B = cos(0.3·i) for i in 0..<8, as 4×2; x = 0.5·i − 1 for i in 0..<4.
    let a = Matrix(rows: 3, columns: 4, storage: (0..<12).map { Float(sin(Double($0) * 0.7)) })
    let b = Matrix(rows: 4, columns: 2, storage: (0..<8).map { Float(cos(Double($0) * 0.3)) })
    let x: [Float] = (0..<4).map { Float($0) * 0.5 - 1 }

    func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5) {
        #expect(actual.count == expected.count)
        for (got, want) in zip(actual, expected) {
            #expect(abs(Double(got) - want) <= tolerance, "got \(got), numpy says \(want)")
        }
    }

    @Test func matrixTimesMatrix() {
        let product = a.multiplied(by: b)
        #expect(product.rows == 3 && product.columns == 2)
        expectClose(product.storage, [0.6926582, 0.0343722, -0.0471327, 0.5363106, -0.6038392, -1.0450199])
    }

    @Test func matrixTimesOwnTranspose() {
        let product = a.multiplied(by: a, transposingOther: true)
        expectClose(
            product.storage,
            [2.131258, -1.9329372, 1.5112552, -1.9329372, 1.9601234, -1.760807, 1.5112552, -1.760807, 1.8068881]
        )
    }

    @Test func matrixTimesVector() {
        expectClose(a.multiplied(by: x), [0.1094958, -0.6508228, 1.1169438])
    }

    @Test func dotAndAxpy() {
        let row = Array(a.storage[0..<4])
        #expect(abs(Double(VectorOperations.dot(row, x)) - 0.1094958484172821) < 1e-6)
        var y: [Float] = [1, 1, 1, 1]
        VectorOperations.axpy(2, x, &y)
        #expect(y == [-1, 0, 1, 2])
    }

    @Test func threadCountCanBeSetToOne() {
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }

    @Test func emptyShapesGiveEmptyResults() {
        let empty = Matrix(rows: 0, columns: 3)
        #expect(empty.multiplied(by: [1, 2, 3]).isEmpty)
        #expect(empty.multiplied(by: Matrix(rows: 3, columns: 2)).storage.isEmpty)
    }
}

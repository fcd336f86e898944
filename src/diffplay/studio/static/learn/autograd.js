// Chapter 3: the graph scene's view (../scenes/graph.js), as a chapter.

export * from "../scenes/graph.js";

"""A viewer's reaction as a timeline on video time: recorded videos analysed offline here,
live webcam sessions later; both produce the same samples in the store."""
